// What the cluster scripts of this directory share: the nodes run.sh started, HTTP and psql
// helpers, bounded polling, the step runner, the account every scenario works in, starting a
// further node, and the placement function of domain/placement.cpp.
// See tests/cluster/run.sh for the environment the scripts get.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const env = process.env;
const split = (s) => (s ?? "").split(",").filter(Boolean);

/// The nodes run.sh started, in node order: {id, url, pid}. Scripts replace entries (a
/// restarted node) and append entries (a joining node).
export const nodes = split(env.NODE_IDS).map((id, i) => ({
  id,
  url: split(env.NODE_URLS)[i],
  pid: Number(split(env.NODE_PIDS)[i]),
}));
assert.equal(nodes.length, 3, "NODE_IDS, NODE_URLS and NODE_PIDS name three nodes");
export const platformToken = env.PLATFORM_TOKEN;
export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const show = (v) => JSON.stringify(v);

// ---- HTTP, psql ---------------------------------------------------------------------------

/// One request to one node; resolves to {status, body} (body parsed when JSON), never throws
/// for a status (a connection error or the timeout is status 0 with the error text as body).
export async function request(node, method, urlPath, token, body, timeoutMs = 10000) {
  try {
    const res = await fetch(node.url + urlPath, {
      method,
      headers: { "Content-Type": "application/json", ...(token ? { api_access_token: token } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed };
  } catch (err) {
    return { status: 0, body: String(err.cause?.code ?? err.name ?? err.message) };
  }
}

/// A request that must answer 2xx; the error names the node, the call and the answer.
export async function api(node, method, urlPath, token, body) {
  const r = await request(node, method, urlPath, token, body);
  if (r.status < 200 || r.status > 299)
    throw new Error(`${node.id}: ${method} ${urlPath} -> ${r.status} ${show(r.body)}`);
  return r.body;
}

/// Rows of one SQL statement on the cluster's database (psql), each an array of text fields.
export function psql(sql) {
  const out = execFileSync("psql", [env.DATABASE_URL, "-AtF", "\t", "-c", sql], { encoding: "utf8" });
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t"));
}

/// GET /ops/api/cluster of one node.
export const clusterView = (node) => api(node, "GET", "/ops/api/cluster", platformToken);

// ---- waiting, steps -----------------------------------------------------------------------

/// Polls `probe` every 100 ms until it returns a truthy value (returned) or `ms` pass (throws
/// with `what` and the last result or error).
export async function eventually(what, ms, probe) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() >= until) throw new Error(`${what} not within ${ms} ms; last: ${show(last)}`);
    await delay(100);
  }
}

export const failures = [];

/// Runs one scenario step: prints ok or FAIL with its time; a failure is recorded (see
/// `finish`) and the step resolves to undefined.
export async function step(name, fn) {
  const started = Date.now();
  try {
    const result = await fn();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
    return result ?? true;
  } catch (err) {
    console.error(`FAIL ${name}: ${err.message}`);
    failures.push(name);
    return undefined;
  }
}

/// Exits 1 when a step failed, else 0 with `passed`.
export function finish(passed) {
  if (failures.length) {
    console.error(`${failures.length} failed: ${failures.join(" | ")}`);
    process.exit(1);
  }
  console.log(passed);
  process.exit(0);
}

// ---- the account --------------------------------------------------------------------------

/// The world of the scenarios, filled by `bootstrap`: account, A (its API prefix), admin,
/// token (the admin's), agents, autoInbox, manualInbox (each with contactId).
export const W = {};

/// Platform API through node-1: an account, an administrator, three agents (online, not
/// auto-offline); an auto-assignment inbox and a manual one with the three agents; a contact.
export async function bootstrap() {
  const n1 = nodes[0];
  const account = await api(n1, "POST", "/platform/api/v1/accounts", platformToken, { name: "Cluster" });
  const user = async (name, role) => {
    const u = await api(n1, "POST", "/platform/api/v1/users", platformToken, {
      name,
      email: `${name.toLowerCase()}@cluster.test`,
    });
    await api(n1, "POST", `/platform/api/v1/accounts/${account.id}/account_users`, platformToken, {
      user_id: u.id,
      role,
    });
    return u;
  };
  const admin = await user("Ada", "administrator");
  const agents = [await user("Ann", "agent"), await user("Bob", "agent"), await user("Cid", "agent")];
  const A = `/api/v1/accounts/${account.id}`;
  const token = admin.access_token;
  for (const a of agents) {
    const r = await api(n1, "PATCH", `${A}/agents/${a.id}`, token, {
      availability: "online",
      auto_offline: false,
    });
    assert.equal(r.availability_status ?? r.availability, "online", `agent ${a.id} online`);
  }
  const inbox = async (name, auto) => {
    const i = await api(n1, "POST", `${A}/inboxes`, token, {
      name,
      enable_auto_assignment: auto,
      channel: { type: "api" },
    });
    await api(n1, "POST", `${A}/inbox_members`, token, { inbox_id: i.id, user_ids: agents.map((a) => a.id) });
    const c = await api(n1, "POST", `${A}/contacts`, token, { name: `Carla ${name}`, inbox_id: i.id });
    return { ...i, contactId: c.payload.contact.id };
  };
  const autoInbox = await inbox("Auto", true);
  const manualInbox = await inbox("Manual", false);
  return Object.assign(W, { account, A, admin, token, agents, autoInbox, manualInbox });
}

export const createConversation = (node, inbox) =>
  api(node, "POST", `${W.A}/conversations`, W.token, { inbox_id: inbox.id, contact_id: inbox.contactId });
export const getConversation = (node, id) => api(node, "GET", `${W.A}/conversations/${id}`, W.token);
export const postMessage = (node, id, content, token = W.token, extra = {}) =>
  api(node, "POST", `${W.A}/conversations/${id}/messages`, token, { content, ...extra });

/// Every message of a conversation as one node lists it (cursor pagination by id).
export async function allMessages(node, id) {
  const out = [];
  for (let after = 0; ; ) {
    const page = await api(node, "GET", `${W.A}/conversations/${id}/messages?after=${after}`, W.token);
    const fresh = page.payload.filter((m) => m.id > after);
    if (fresh.length === 0) return out;
    out.push(...fresh);
    after = Math.max(...fresh.map((m) => m.id));
  }
}

/// Counts of the account's messages whose content starts with `prefix` (psql), by content.
export function storedCounts(prefix) {
  const like = prefix.replace(/[\\%_']/g, (c) => (c === "'" ? "''" : `\\${c}`));
  const rows = psql(`SELECT content, count(*) FROM messages WHERE account_id = ${Number(W.account.id)}
                     AND content LIKE '${like}%' GROUP BY content`);
  return new Map(rows.map(([content, n]) => [content, Number(n)]));
}

/// conversations.id (the entity id of entity_owners and /ops) of each display id (the API's
/// `id`) of the account.
export function internalIds(displayIds) {
  const rows = psql(`SELECT display_id, id FROM conversations WHERE account_id = ${Number(W.account.id)}
                     AND display_id IN (${displayIds.map(Number).join(",")})`);
  return new Map(rows.map(([display, id]) => [Number(display), Number(id)]));
}

// ---- nodes --------------------------------------------------------------------------------

/// Starts messengerd as node `id` (the settings run.sh exported) and waits for its
/// "listening on" line; its pid goes to $LOG_DIR/pids for run.sh's cleanup; its output to
/// $LOG_DIR/<id>.<name>.stdout/.stderr. `exited` resolves to the exit code (or signal name).
/// `extraEnv` overrides settings for this node only (e.g. its log level).
export async function startNode(id, name = "restart", extraEnv = {}) {
  const out = path.join(env.LOG_DIR, `${id}.${name}.stdout`);
  const err = path.join(env.LOG_DIR, `${id}.${name}.stderr`);
  const child = spawn(env.MESSENGERD, [], {
    env: { ...env, ...extraEnv, MESSENGER_NODE_ID: id },
    stdio: ["ignore", fs.openSync(out, "w"), fs.openSync(err, "w")],
  });
  fs.appendFileSync(path.join(env.LOG_DIR, "pids"), `${child.pid}\n`);
  let status = null;
  const exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve((status = code ?? signal))),
  );
  child.unref();
  const url = await eventually(`${id} prints "listening on"`, 30000, () => {
    if (status !== null) throw new Error(`${id} exited with ${status}: ${fs.readFileSync(err, "utf8").slice(-2000)}`);
    return /^listening on (\S+)$/m.exec(fs.readFileSync(out, "utf8"))?.[1];
  });
  return { id, url, pid: child.pid, exited, stderr: err };
}

/// Waits (ms) until every node of `members` lists exactly `members` live and connected;
/// `check(entry, viewer)` may add a condition per entry (throws to refuse).
export async function awaitMembers(members, ms, check = () => {}) {
  const ids = members.map((n) => n.id).sort();
  await eventually(`every node of ${show(ids)} sees them all live and connected`, ms, async () => {
    for (const n of members) {
      const view = await clusterView(n);
      const seen = view.nodes.map((x) => [x.id, x.incarnation, x.live, x.connected]);
      const ok =
        show(view.nodes.map((x) => x.id).sort()) === show(ids) &&
        view.nodes.every((x) => x.live === true && x.connected === true);
      if (!ok) throw new Error(`${n.id} sees ${show(seen)}`);
      for (const e of view.nodes) check(e, n);
    }
    return true;
  });
}

// ---- placement (domain/placement.cpp) -----------------------------------------------------

const M64 = (1n << 64n) - 1n;
function fnv1a(bytes, h) {
  for (const c of bytes) h = ((h ^ BigInt(c)) * 0x100000001b3n) & M64;
  return h;
}
function mix(z) {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/// The rendezvous weight of `node` for `key` (e.g. "conversation:42").
export function weight(node, key) {
  let h = fnv1a(Buffer.from(node), 0xcbf29ce484222325n);
  h = fnv1a([0], h);
  return mix(fnv1a(Buffer.from(key), h));
}

/// The owner among `members` (node ids) of `key`: the highest weight, ties to the smaller id.
export function placementOwner(members, key) {
  let best = null;
  let bestWeight = 0n;
  for (const m of members) {
    const w = weight(m, key);
    if (best === null || w > bestWeight || (w === bestWeight && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

// ---- writes and their outcomes (the failure scenarios) -----------------------------------

/// MESSENGER_CLUSTER_LEASE_S's default, which run.sh keeps.
export const LEASE_MS = 10000;
export const ok = (status) => status >= 200 && status < 300;

/// One message to conversation `conv` (display id) through `node`, recorded in `log` with
/// its node, content, start, end and answer.
export async function attempt(log, node, conv, content, timeoutMs = 10000) {
  const started = Date.now();
  const r = await request(node, "POST", `${W.A}/conversations/${conv}/messages`, W.token, { content }, timeoutMs);
  const a = { node: node.id, conv, content, started, ended: Date.now(), status: r.status, ok: ok(r.status), body: r.body };
  log.push(a);
  return a;
}

/// The entity_owners row of a conversation (internal id): {node, incarnation, epoch} or null.
export function ownerRow(internal) {
  const [row] = psql(`SELECT owner_node, owner_incarnation, epoch FROM entity_owners
                       WHERE entity_type = 'conversation' AND entity_id = '${Number(internal)}'`);
  return row ? { node: row[0], incarnation: Number(row[1]), epoch: Number(row[2]) } : null;
}

/// The attempts by status: how many, a sample body, and how many each node answered.
export function statusSummary(attempts) {
  const by = {};
  for (const a of attempts) {
    const e = (by[a.status] ??= { n: 0, nodes: {}, body: a.body });
    e.n += 1;
    e.nodes[a.node] = (e.nodes[a.node] ?? 0) + 1;
  }
  return show(by);
}
