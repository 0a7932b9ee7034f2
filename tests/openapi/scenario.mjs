// Every endpoint docs/api-compat.md marks done or partial, called through Prism's validating
// proxy (proxy.mjs) in front of a real messengerd (tests/openapi/run.sh starts it), with
// Chatwoot's OpenAPI document (swagger.json). Prism forwards each call and reports what the answer does not match
// in the `sl-violations` response header; this script collects every response-side violation
// under a stable key and compares the set with the two lists of this directory:
//   known-document-errors.txt  the document is wrong (each entry names the Chatwoot source
//                              that shows Chatwoot's real answer)
//   known-our-errors.txt       messenger is wrong (to be fixed; the list should become empty)
// A violation on neither list fails, and so does a listed one that no longer appears, so the
// lists stay exact. A done endpoint of docs/api-compat.md that the scenario does not call fails.
//   MESSENGER_URL=http://127.0.0.1:NODE MESSENGER_PLATFORM_TOKEN=... node scenario.mjs
// OPENAPI_REPORT=path writes every call and its violations as JSON (for reviewing the lists);
// OPENAPI_UPDATE=1 prints the violations that are not listed in the lists' format.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkViolations } from "./check.mjs";
import { startValidatingProxy } from "./proxy.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const upstream = process.env.MESSENGER_URL;
const platformToken = process.env.MESSENGER_PLATFORM_TOKEN;
assert.ok(upstream && platformToken, "MESSENGER_URL and MESSENGER_PLATFORM_TOKEN are required");
const proxy = await startValidatingProxy(upstream);
const base = proxy.url;

const calls = []; // {method, template, status, violations: [{location, code, message, severity}]}
const called = new Set();

// One call: `template` is the path as the document and docs/api-compat.md spell it, `params`
// fills its {placeholders}. Returns the parsed body (null when empty). `expect` is the status.
async function api(method, template, params = {}, opts = {}) {
  const { token, body, query, expect = 200 } = opts;
  const path = template.replace(/\{(\w+)\}/g, (_, name) => {
    assert.ok(params[name] !== undefined, `${template}: no value for {${name}}`);
    return encodeURIComponent(String(params[name]));
  });
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
  }
  const headers = { accept: "application/json" };
  if (token !== undefined) headers.api_access_token = token;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const raw = res.headers.get("sl-violations");
  // Prism cuts the header near 8 KiB ("Too many violations! …"): one violation saying so
  // stands for them, and fails the check.
  const violations = !raw ? []
    : raw.startsWith("[") ? JSON.parse(raw)
      : [{ location: ["response"], severity: "Error", message: "Prism truncated the violations of this answer" }];
  calls.push({ method, template, status: res.status, violations,
               ...(violations.length > 0 && process.env.OPENAPI_REPORT ? { body: text } : {}) });
  called.add(`${method} ${template}`);
  if (res.status !== expect) {
    throw new Error(`${method} ${path}: status ${res.status}, expected ${expect}: ${text}`);
  }
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function step(name, fn) {
  try {
    const result = await fn();
    console.log(`ok   ${name}`);
    return result;
  } catch (err) {
    console.error(`FAIL ${name}: ${err.stack}`);
    await proxy.stop();
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// Platform API
const P = { token: platformToken };
const account = await step("platform: accounts", async () => {
  const a = await api("POST", "/platform/api/v1/accounts", {}, { ...P, body: { name: "OpenAPI Corp" } });
  await api("GET", "/platform/api/v1/accounts/{account_id}", { account_id: a.id }, P);
  await api("PATCH", "/platform/api/v1/accounts/{account_id}", { account_id: a.id },
    { ...P, body: { name: "OpenAPI Corp", status: "active" } });
  const doomed = await api("POST", "/platform/api/v1/accounts", {}, { ...P, body: { name: "Gone" } });
  await api("DELETE", "/platform/api/v1/accounts/{account_id}", { account_id: doomed.id }, P);
  await api("GET", "/platform/api/v1/accounts/{account_id}", { account_id: doomed.id }, { ...P, expect: 404 });
  return a;
});
const A = { account_id: account.id };

const [admin, agent, spare] = await step("platform: users", async () => {
  const users = [];
  for (const [name, email] of [["Ada Admin", "ada@openapi.test"], ["Ben Agent", "ben@openapi.test"],
                               ["Sam Spare", "sam@openapi.test"]]) {
    users.push(await api("POST", "/platform/api/v1/users", {}, { ...P, body: { name, email, password: "Secret-123" } }));
  }
  await api("GET", "/platform/api/v1/users/{id}", { id: users[2].id }, P);
  await api("PATCH", "/platform/api/v1/users/{id}", { id: users[2].id }, { ...P, body: { name: "Sam Spare Jr" } });
  const gone = await api("POST", "/platform/api/v1/users", {}, { ...P, body: { name: "Gone", email: "gone@openapi.test" } });
  await api("DELETE", "/platform/api/v1/users/{id}", { id: gone.id }, P);
  return users;
});

await step("platform: account users", async () => {
  const au = "/platform/api/v1/accounts/{account_id}/account_users";
  await api("POST", au, A, { ...P, body: { user_id: admin.id, role: "administrator" } });
  await api("POST", au, A, { ...P, body: { user_id: agent.id, role: "agent" } });
  await api("POST", au, A, { ...P, body: { user_id: spare.id, role: "agent" } });
  await api("DELETE", au, A, { ...P, body: { user_id: spare.id } });
  const list = await api("GET", au, A, P);
  assert.equal(list.length, 2);
});

const ADM = { token: admin.access_token };
const AGT = { token: agent.access_token };
const acc = (path) => `/api/v1/accounts/{account_id}${path}`;

// ---------------------------------------------------------------------------------------------
// Application API: profile, account, agents
await step("profile", async () => {
  await api("GET", "/api/v1/profile", {}, ADM);
  await api("PUT", "/api/v1/profile", {}, { ...ADM, body: { profile: { display_name: "Ada" } } });
  await api("POST", "/api/v1/profile/availability", {},
    { ...AGT, body: { profile: { account_id: account.id, availability: "online" } } });
});

await step("account", async () => {
  await api("GET", acc(""), A, ADM);
  await api("PATCH", acc(""), A, { ...ADM, body: { name: "OpenAPI Corp", auto_resolve_after: 1440 } });
});

await step("agents", async () => {
  const created = await api("POST", acc("/agents"), A,
    { ...ADM, body: { name: "Cleo Agent", email: "cleo@openapi.test", role: "agent" } });
  await api("PATCH", acc("/agents/{id}"), { ...A, id: created.id },
    { ...ADM, body: { role: "agent", availability: "busy", auto_offline: false } });
  const list = await api("GET", acc("/agents"), A, ADM);
  assert.equal(list.length, 3);
  await api("DELETE", acc("/agents/{id}"), { ...A, id: created.id }, ADM);
});

// ---------------------------------------------------------------------------------------------
// Inboxes and members
const inbox = await step("inboxes", async () => {
  const i = await api("POST", acc("/inboxes"), A,
    { ...ADM, body: { name: "API", channel: { type: "api", webhook_url: "" } } });
  await api("GET", acc("/inboxes"), A, ADM);
  await api("GET", acc("/inboxes/{id}"), { ...A, id: i.id }, ADM);
  await api("PATCH", acc("/inboxes/{id}"), { ...A, id: i.id },
    { ...ADM, body: { greeting_enabled: true, greeting_message: "Hello", enable_auto_assignment: false } });
  const other = await api("POST", acc("/inboxes"), A, { ...ADM, body: { name: "Other", channel: { type: "api" } } });
  await api("DELETE", acc("/inboxes/{id}"), { ...A, id: other.id }, ADM);
  return i;
});

await step("inbox members", async () => {
  const m = acc("/inbox_members");
  await api("POST", m, A, { ...ADM, body: { inbox_id: inbox.id, user_ids: [agent.id] } });
  await api("PATCH", m, A, { ...ADM, body: { inbox_id: inbox.id, user_ids: [agent.id, admin.id] } });
  await api("DELETE", m, A, { ...ADM, body: { inbox_id: inbox.id, user_ids: [admin.id] } });
  const list = await api("GET", acc("/inbox_members/{inbox_id}"), { ...A, inbox_id: inbox.id }, ADM);
  assert.deepEqual(list.payload.map((a) => a.id), [agent.id]);
});

// ---------------------------------------------------------------------------------------------
// Teams, labels, canned responses, webhooks
const team = await step("teams and team members", async () => {
  const t = await api("POST", acc("/teams"), A, { ...ADM, body: { name: "Support", description: "First line" } });
  const T = { ...A, team_id: t.id };
  await api("GET", acc("/teams"), A, ADM);
  await api("GET", acc("/teams/{team_id}"), T, ADM);
  await api("PATCH", acc("/teams/{team_id}"), T, { ...ADM, body: { description: "First line support" } });
  const tm = acc("/teams/{team_id}/team_members");
  await api("POST", tm, T, { ...ADM, body: { user_ids: [agent.id, admin.id] } });
  await api("PATCH", tm, T, { ...ADM, body: { user_ids: [agent.id] } });
  await api("DELETE", tm, T, { ...ADM, body: { user_ids: [agent.id] } });
  await api("POST", tm, T, { ...ADM, body: { user_ids: [agent.id] } });
  await api("GET", tm, T, ADM);
  const gone = await api("POST", acc("/teams"), A, { ...ADM, body: { name: "Gone" } });
  await api("DELETE", acc("/teams/{team_id}"), { ...A, team_id: gone.id }, ADM);
  return t;
});

await step("labels", async () => {
  const l = await api("POST", acc("/labels"), A,
    { ...ADM, body: { title: "billing", description: "Money", color: "#ff0000", show_on_sidebar: true } });
  await api("GET", acc("/labels"), A, ADM);
  await api("GET", acc("/labels/{id}"), { ...A, id: l.id }, ADM);
  await api("PATCH", acc("/labels/{id}"), { ...A, id: l.id }, { ...ADM, body: { description: "Payments" } });
  const gone = await api("POST", acc("/labels"), A, { ...ADM, body: { title: "gone" } });
  await api("DELETE", acc("/labels/{id}"), { ...A, id: gone.id }, ADM);
});

await step("canned responses", async () => {
  const c = await api("POST", acc("/canned_responses"), A,
    { ...ADM, body: { short_code: "thanks", content: "Thank you!" } });
  await api("GET", acc("/canned_responses"), A, ADM);
  await api("PATCH", acc("/canned_responses/{id}"), { ...A, id: c.id },
    { ...ADM, body: { content: "Thank you very much!" } });
  const gone = await api("POST", acc("/canned_responses"), A, { ...ADM, body: { short_code: "gone", content: "x" } });
  await api("DELETE", acc("/canned_responses/{id}"), { ...A, id: gone.id }, ADM);
});

await step("webhooks", async () => {
  // Port 9 (discard) on loopback: deliveries fail and are retried in the background.
  const w = await api("POST", acc("/webhooks"), A,
    { ...ADM, body: { url: "http://127.0.0.1:9/hook", subscriptions: ["message_created"] } });
  const id = w.payload?.webhook?.id ?? w.id;
  await api("GET", acc("/webhooks"), A, ADM);
  await api("PATCH", acc("/webhooks/{webhook_id}"), { ...A, webhook_id: id },
    { ...ADM, body: { url: "http://127.0.0.1:9/hook2", subscriptions: ["conversation_created"] } });
  await api("DELETE", acc("/webhooks/{webhook_id}"), { ...A, webhook_id: id }, ADM);
});

// ---------------------------------------------------------------------------------------------
// Contacts
const contact = await step("contacts", async () => {
  const r = await api("POST", acc("/contacts"), A, {
    ...ADM,
    body: { inbox_id: inbox.id, name: "Jane Customer", email: "jane@customer.test",
            phone_number: "+15550100", identifier: "jane-1", custom_attributes: { plan: "pro" } },
  });
  const c = r.payload.contact;
  const C = { ...A, id: c.id };
  await api("GET", acc("/contacts"), A, { ...ADM, query: { sort: "name", page: 1 } });
  await api("GET", acc("/contacts/search"), A, { ...ADM, query: { q: "customer" } });
  await api("GET", acc("/contacts/{id}"), C, ADM);
  await api("PUT", acc("/contacts/{id}"), C, { ...ADM, body: { name: "Jane Q. Customer" } });
  await api("POST", acc("/contacts/{id}/labels"), C, { ...ADM, body: { labels: ["vip"] } });
  await api("GET", acc("/contacts/{id}/labels"), C, ADM);
  await api("GET", acc("/contacts/{id}/contactable_inboxes"), C, ADM);
  await api("POST", acc("/contacts/{id}/contact_inboxes"), C,
    { ...ADM, body: { inbox_id: inbox.id, source_id: "jane-source-2" } });
  const gone = await api("POST", acc("/contacts"), A, { ...ADM, body: { name: "Gone", email: "gone@customer.test" } });
  await api("DELETE", acc("/contacts/{id}"), { ...A, id: gone.payload.contact.id }, ADM);
  return r.payload;
});

// ---------------------------------------------------------------------------------------------
// Conversations with every action, and messages
const conv = await step("conversations: create, messages both ways", async () => {
  const c = await api("POST", acc("/conversations"), A, {
    ...ADM,
    body: { inbox_id: inbox.id, contact_id: contact.contact.id, additional_attributes: { browser: "x" } },
  });
  const V = { ...A, conversation_id: c.id };
  const msgs = acc("/conversations/{conversation_id}/messages");
  await api("POST", msgs, V, { ...ADM, body: { content: "My parcel never arrived", message_type: "incoming" } });
  await api("POST", msgs, V, { ...AGT, body: { content: "Sorry, checking now.", echo_id: "e-1" } });
  await api("POST", msgs, V, { ...AGT, body: { content: "internal note", private: true } });
  const doomed = await api("POST", msgs, V, { ...AGT, body: { content: "typo" } });
  await api("DELETE", acc("/conversations/{conversation_id}/messages/{message_id}"),
    { ...V, message_id: doomed.id }, AGT);
  await api("GET", msgs, V, AGT);
  // A second conversation from a source id, with a first message.
  await api("POST", acc("/conversations"), A, {
    ...ADM,
    body: { source_id: contact.contact_inbox.source_id, inbox_id: inbox.id, message: { content: "Hi" } },
  });
  return c;
});
const V = { ...A, conversation_id: conv.id };

await step("conversations: list, meta, show, search", async () => {
  await api("GET", acc("/conversations"), A, { ...ADM, query: { status: "open", assignee_type: "all", page: 1 } });
  await api("GET", acc("/conversations/meta"), A, { ...ADM, query: { status: "open" } });
  await api("GET", acc("/conversations/{conversation_id}"), V, AGT);
  await api("GET", acc("/contacts/{id}/conversations"), { ...A, id: contact.contact.id }, ADM);
  await api("GET", acc("/search/messages"), A, { ...AGT, query: { q: "parcel" } });
});

await step("conversations: actions", async () => {
  const c = (p) => acc(`/conversations/{conversation_id}${p}`);
  await api("PATCH", c(""), V, { ...ADM, body: { priority: "high" } });
  await api("POST", c("/toggle_priority"), V, { ...ADM, body: { priority: "urgent" } });
  await api("POST", c("/toggle_typing_status"), V, { ...AGT, body: { typing_status: "on" } });
  await api("POST", c("/custom_attributes"), V, { ...ADM, body: { custom_attributes: { order: "A-1" } } });
  await api("POST", c("/labels"), V, { ...ADM, body: { labels: ["billing"] } });
  await api("GET", c("/labels"), V, ADM);
  await api("POST", c("/assignments"), V, { ...ADM, body: { assignee_id: agent.id } });
  await api("POST", c("/assignments"), V, { ...ADM, body: { team_id: team.id } });
  await api("POST", c("/update_last_seen"), V, AGT);
  await api("POST", c("/unread"), V, AGT);
  await api("POST", c("/toggle_status"), V, { ...AGT, body: { status: "resolved" } });
  await api("POST", c("/toggle_status"), V, { ...AGT, body: { status: "open" } });
  await api("POST", c("/toggle_status"), V,
    { ...AGT, body: { status: "snoozed", snoozed_until: Math.floor(Date.now() / 1000) + 86400 } });
  await api("GET", acc("/conversations/{conversation_id}"), V, AGT);
  await api("POST", c("/toggle_status"), V, { ...AGT, body: { status: "resolved" } });
  await api("GET", c("/reporting_events"), V, ADM);
  await api("GET", acc("/reporting_events"), A, ADM);
});

// Other states of the same answers: an agent's view, unassignment, a pending conversation, the
// list variants, messages after assignment.
await step("variants", async () => {
  const c = (p) => acc(`/conversations/{conversation_id}${p}`);
  await api("POST", c("/toggle_status"), V, { ...ADM, body: { status: "open" } });
  await api("GET", acc("/conversations"), A, { ...AGT, query: { assignee_type: "me" } });
  await api("GET", acc("/conversations"), A, { ...ADM, query: { status: "all", team_id: team.id, labels: ["billing"] } });
  await api("GET", acc("/conversations"), A, { ...ADM, query: { conversation_type: "unattended", sort_by: "created_at_asc" } });
  await api("GET", c("/messages"), V, { ...AGT, query: { after: 1 } });
  await api("POST", c("/assignments"), V, { ...ADM, body: { team_id: null } });
  await api("POST", c("/assignments"), V, { ...ADM, body: { assignee_id: null } });
  await api("GET", acc("/conversations/{conversation_id}"), V, ADM);
  await api("POST", c("/toggle_status"), V, ADM); // no status: toggles
  await api("POST", c("/toggle_priority"), V, { ...ADM, body: {} });
  await api("POST", acc("/conversations"), A, {
    ...ADM, body: { inbox_id: inbox.id, contact_id: contact.contact.id, status: "pending", assignee_id: agent.id, team_id: team.id },
  });
  await api("GET", acc("/contacts"), A, { ...ADM, query: { include_contact_inboxes: "false", labels: ["vip"] } });
  await api("GET", acc("/contacts/search"), A, { ...ADM, query: { q: "jane", page: 2 } });
  await api("GET", acc("/inbox_members/{inbox_id}"), { ...A, inbox_id: inbox.id }, AGT);
  await api("GET", acc("/inboxes"), A, AGT);
  await api("GET", acc("/inboxes/{id}"), { ...A, id: inbox.id }, AGT);
  await api("GET", "/api/v1/profile", {}, AGT);
});

// ---------------------------------------------------------------------------------------------
// Client (public) API
await step("client api", async () => {
  const I = { inbox_identifier: inbox.inbox_identifier };
  const pub = "/public/api/v1/inboxes/{inbox_identifier}/contacts";
  const c = await api("POST", pub, I, { body: { name: "Walk-in", email: "walkin@customer.test" } });
  const CI = { ...I, contact_identifier: c.source_id };
  await api("GET", `${pub}/{contact_identifier}`, CI);
  await api("PATCH", `${pub}/{contact_identifier}`, CI, { body: { name: "Walk-in Wendy" } });
  const cv = await api("POST", `${pub}/{contact_identifier}/conversations`, CI,
    { body: { custom_attributes: { from: "widget" } } });
  const CV = { ...CI, conversation_id: cv.id };
  const pc = `${pub}/{contact_identifier}/conversations/{conversation_id}`;
  await api("POST", `${pc}/messages`, CV, { body: { content: "Hello from the widget", echo_id: "w-1" } });
  await api("POST", acc("/conversations/{conversation_id}/messages"), { ...A, conversation_id: cv.id },
    { ...ADM, body: { content: "Hi Wendy" } });
  await api("GET", `${pc}/messages`, CV);
  await api("GET", `${pub}/{contact_identifier}/conversations`, CI);
  await api("GET", pc, CV);
  await api("POST", `${pc}/toggle_typing`, CV, { body: { typing_status: "on" } });
  await api("POST", `${pc}/update_last_seen`, CV);
  await api("POST", `${pc}/toggle_status`, CV);
});

// ---------------------------------------------------------------------------------------------
// Error answers (their bodies are in the document too) and the operational endpoints
await step("errors and health", async () => {
  await api("POST", acc("/inboxes"), A, { ...AGT, body: { name: "Nope", channel: { type: "api" } }, expect: 401 });
  await api("GET", acc("/conversations/{conversation_id}"), { ...A, conversation_id: 424242 }, { ...ADM, expect: 404 });
  await api("GET", acc("/contacts/{id}"), { ...A, id: 424242 }, { ...ADM, expect: 404 });
  await api("GET", "/api/v1/profile", {}, { token: "not-a-token", expect: 401 });
  await api("GET", acc(""), A, { token: "not-a-token", expect: 401 });
  await api("GET", "/platform/api/v1/accounts/{account_id}", A, { token: "not-a-token", expect: 401 });
  await api("GET", "/platform/api/v1/users/{id}", { id: 424242 }, { ...P, expect: 404 });
  await api("POST", acc("/contacts"), A, { ...ADM, body: { name: "Dup", email: "jane@customer.test" }, expect: 422 });
  await api("POST", acc("/labels"), A, { ...ADM, body: { title: "no spaces allowed" }, expect: 422 });
  await api("POST", acc("/conversations/{conversation_id}/messages"), V,
    { ...ADM, body: { content: "x", message_type: "nonsense" }, expect: 422 });
  await api("GET", acc("/teams/{team_id}"), { ...A, team_id: 424242 }, { ...ADM, expect: 404 });
  await api("GET", "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}",
    { inbox_identifier: inbox.inbox_identifier, contact_identifier: "no-such-source" }, { expect: 404 });
  await api("GET", "/healthz");
  await api("GET", "/readyz");
});

// ---------------------------------------------------------------------------------------------
await proxy.stop();

// ---------------------------------------------------------------------------------------------
// Coverage: every done or partial endpoint of docs/api-compat.md is called above.
const notThroughProxy = new Map([
  ["GET /cable", "WebSocket upgrade: tests/sdk/cable.mjs (sdk.actioncable)"],
  ["GET /api/v1/accounts/{account_id}/events", "Server-Sent Events stream: net.sse suites"],
  // messenger's own ops endpoints: not Chatwoot's API, not in its OpenAPI document.
  ["GET /ops", "ops console page: ops.console (browser)"],
  ["GET /ops/api/actors", "ops API: net.ops, ops.ctl"],
  ["GET /ops/api/actors/{kind}/{id}", "ops API: net.ops, ops.ctl"],
  ["GET /ops/api/cluster", "ops API: net.ops, ops.ctl"],
  ["GET /metrics", "Prometheus exposition: net.ops"],
]);
{
  const doc = readFileSync(join(root, "docs", "api-compat.md"), "utf8");
  const missing = [];
  for (const line of doc.split("\n")) {
    const cells = line.split("|").map((s) => s.trim());
    if (cells.length < 5 || !/^(done|partial)$/.test(cells[3])) continue;
    const method = cells[1].replace(/\s*\(.*\)$/, "");
    if (!/^(GET|POST|PUT|PATCH|DELETE)$/.test(method)) continue;
    let previous = null;
    for (const m of cells[2].matchAll(/`([^`]+)`/g)) {
      // `…/conversations/{conversation_id}/update_last_seen`, `…/unread`: the first is under
      // the account, a later one replaces the last segment of the one before it.
      let path = m[1];
      if (path.startsWith("…")) {
        path = previous === null ? path.replace(/^…/, "/api/v1/accounts/{account_id}")
                                 : previous.replace(/\/[^/]+$/, path.slice(1));
      }
      previous = path;
      const key = `${method} ${path}`;
      if (!called.has(key) && !notThroughProxy.has(key)) missing.push(key);
    }
  }
  if (missing.length > 0) {
    console.error(`FAIL coverage: done endpoints of docs/api-compat.md not called:\n  ${missing.join("\n  ")}`);
    process.exit(1);
  }
  console.log("ok   coverage: every done endpoint of docs/api-compat.md was called");
}

// ---------------------------------------------------------------------------------------------
// Violations: every listed one must appear (the scenario is the lists' reference run).
if (!checkViolations(calls, { label: "openapi scenario", requireAllListed: true })) process.exit(1);
console.log("openapi scenario passed");
