// The ops console (GET /ops) in Debian's chromium, driven by playwright-core: nothing shows
// before the token is accepted, a wrong token is refused, the actors view lists this node,
// an inbox looked up shows its ring and limiter and follows an assignment live, the cluster
// view lists the node. The token never appears in a URL.
// Env (tests/sdk/run.sh): MESSENGER_URL, MESSENGER_PLATFORM_TOKEN; MESSENGER_SCREENSHOTS=DIR
// writes docs/img-style screenshots of each view.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import path from "node:path";

const url = process.env.MESSENGER_URL;
const token = process.env.MESSENGER_PLATFORM_TOKEN;
const shots = process.env.MESSENGER_SCREENSHOTS;

async function api(method, target, who, body) {
  const res = await fetch(url + target, {
    method,
    headers: { "api_access_token": who, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${target} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// An account with two online agents in an auto-assigning inbox.
const account = (await api("POST", "/platform/api/v1/accounts", token, { name: "Acme" })).id;
const ada = await api("POST", "/platform/api/v1/users", token, { name: "Ada", email: "ada@acme.test" });
const ben = await api("POST", "/platform/api/v1/users", token, { name: "Ben", email: "ben@acme.test" });
for (const [user, role] of [[ada, "administrator"], [ben, "agent"]])
  await api("POST", `/platform/api/v1/accounts/${account}/account_users`, token, { user_id: user.id, role });
const admin = ada.access_token;
const base = `/api/v1/accounts/${account}`;
const inbox = (await api("POST", `${base}/inboxes`, admin, {
  name: "Website", enable_auto_assignment: true, channel: { type: "api" },
})).id;
await api("POST", `${base}/inbox_members`, admin, { inbox_id: inbox, user_ids: [ada.id, ben.id] });
for (const user of [ada, ben])
  await api("PATCH", `${base}/agents/${user.id}`, admin, { availability: "online", auto_offline: false });
const node = (await api("GET", "/ops/api/actors", token)).node;

const browser = await chromium.launch({ executablePath: process.env.MESSENGER_CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1180, height: 720 } });
  const urls = [];
  page.on("request", (req) => urls.push(req.url()));
  const snap = async (name) => {
    if (shots) await page.screenshot({ path: path.join(shots, name), fullPage: true });
  };

  await page.goto(url + "/ops");
  // Nothing but the login form before a token is accepted.
  assert.equal(await page.locator("#app").isHidden(), true);
  assert.equal(await page.locator("#actors-table tbody tr").count(), 0);

  await page.fill("#token", "not-the-token");
  await page.click("#sign-in");
  await page.locator("#login-error").waitFor({ state: "visible" });
  assert.match(await page.locator("#login-error").textContent(), /Invalid token/);
  assert.equal(await page.locator("#app").isHidden(), true);
  await snap("ops-login.png");

  await page.fill("#token", token);
  await page.click("#sign-in");
  await page.locator("#app").waitFor({ state: "visible" });
  const row = page.locator(`#actors-table tbody tr[data-node="${node}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /live/);
  await snap("ops-actors.png");

  // The inbox: both agents in the ring, the next one marked.
  await page.click('header nav button[data-view="entity"]');
  await page.selectOption("#entity-kind", "inbox");
  await page.fill("#entity-id", String(inbox));
  await page.click("#entity-go");
  const pills = page.locator("#inbox-ring .pill");
  await page.waitForFunction(() => document.querySelectorAll("#inbox-ring .pill").length === 2);
  const before = await pills.evaluateAll((ps) => ps.map((p) => Number(p.dataset.user)));
  assert.deepEqual([...before].sort(), [ada.id, ben.id].sort());
  assert.match(await pills.first().getAttribute("class"), /next/);

  // An assignment: the next agent goes to the back and its limiter count shows 1, live.
  const contact = (await api("POST", `${base}/contacts`, admin, { name: "Jane", email: "jane@example.com", inbox_id: inbox })).payload.contact.id;
  await api("POST", `${base}/conversations`, admin, { inbox_id: inbox, contact_id: contact });
  await page.waitForFunction((first) => {
    const p = document.querySelector("#inbox-ring .pill");
    return p && Number(p.dataset.user) !== first;
  }, before[0]);
  const after = await pills.evaluateAll((ps) => ps.map((p) => Number(p.dataset.user)));
  assert.deepEqual(after, [before[1], before[0]]);
  const limited = page.locator(`#inbox-limiter tr[data-user="${before[0]}"]`);
  await limited.waitFor();
  assert.deepEqual(await limited.locator("td").allTextContents(), [`user ${before[0]}`, "1", "5"]);
  await snap("ops-entity.png");

  // An unknown inbox is a 404, not an activation.
  await page.fill("#entity-id", "999999");
  await page.click("#entity-go");
  await page.locator("#entity-error").waitFor({ state: "visible" });
  assert.match(await page.locator("#entity-error").textContent(), /404/);

  await page.click('header nav button[data-view="cluster"]');
  const member = page.locator(`#cluster-table tbody tr[data-node="${node}"]`);
  await member.waitFor();
  assert.match(await member.textContent(), /this node/);
  assert.equal(await member.locator("td").nth(4).textContent(), "up");
  await snap("ops-cluster.png");

  for (const u of urls) assert.ok(!u.includes(token), `the token leaked into a URL: ${u}`);
  console.log("ops console: all checks passed");
} finally {
  await browser.close();
}
