// B6 (PERF.md §4) on three running messengerd nodes (started by bench/failover.sh, which passes
// NODE_URLS, NODE_IDS, NODE_PIDS, PLATFORM_TOKEN and DATABASE_URL):
//   failover (default): open-loop writes at --rate to random conversations through all nodes;
//     after a third of --seconds, kill -9 of the node that owns the most conversations; from
//     then on writes go to the survivors only, and a prober writes to every conversation not
//     yet written since the kill (the victim's first), so that every conversation's time to
//     its first acknowledged write after the kill is measured.
//   --hop: the cost of one remote hop: writes sent to each conversation's owner (local) and to
//     a non-owner (remote), alternately, same count and concurrency.
//   --both: --hop, then the failover, on the same conversations.
// At the end every acknowledged message must be stored exactly once (psql); otherwise
// "FAILED: …" and exit status 1. Human lines plus `RESULT {json}` lines (bench/README.md).
import http from "node:http";
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";

const env = process.env;
const now = () => performance.now();
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (n) => Array.from({ length: n }, (_, i) => i);
const show = (v) => JSON.stringify(v);
const round1 = (x) => Math.round(x * 10) / 10;

// ---- options ------------------------------------------------------------------------------

const DEFAULTS = {
  conversations: 0, // 0: 10000 for the failover, 3000 for --hop
  rate: 2000, // offered msgs/s of the failover load (all nodes together)
  seconds: 20, // length of the failover load; the kill comes after a third of it
  inflight: 256, // bound of the load's requests in flight
  contacts: 200, // contacts the conversations are spread over
  setupConcurrency: 32,
  recoveryTimeout: 0, // s after the kill until a conversation not writable counts as failed (0: auto)
  hopConcurrency: 64, // requests in flight of the warm-up and of the hop rounds
  hopRounds: 2, // rounds of (local, remote)
  hopMessages: 0, // per round; 0: one per conversation
};

function usage(message) {
  const flags = Object.keys(DEFAULTS).map((k) => `--${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} N`);
  console.error(`${message}\nusage: failover.mjs [--hop | --both] ${flags.join(" ")}`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { ...DEFAULTS, mode: "failover" };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === "--hop" || argv[i] === "--both") {
      o.mode = argv[i].slice(2);
      continue;
    }
    const key = /^--([a-z-]+)$/.exec(argv[i])?.[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const value = Number(argv[++i]);
    if (!(key in DEFAULTS) || !Number.isFinite(value) || value < 0) usage(`bad option ${argv[i - 1]}`);
    o[key] = value;
  }
  if (!o.conversations) o.conversations = o.mode === "hop" ? 3000 : 10000;
  return o;
}

// ---- HTTP ---------------------------------------------------------------------------------

const split = (s) => (s ?? "").split(",").filter(Boolean);
const nodes = split(env.NODE_IDS).map((id, i) => ({
  id,
  url: split(env.NODE_URLS)[i],
  pid: Number(split(env.NODE_PIDS)[i]),
  agent: new http.Agent({ keepAlive: true, maxSockets: 512 }),
}));

/// One request; resolves to {status, body} and never rejects (a connection error or a 10 s
/// timeout is status 0 with the error code as body). With `parse` false a 2xx body is skipped.
function send(node, method, path, token, body, parse = true) {
  return new Promise((resolve) => {
    const headers = { "Content-Type": "application/json", ...(token ? { api_access_token: token } : {}) };
    const req = http.request(node.url + path, { method, headers, agent: node.agent, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", (err) => resolve({ status: 0, body: err.code ?? err.message }));
      res.on("end", () => {
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        if (ok && !parse) return resolve({ status: res.statusCode, body: null });
        const text = Buffer.concat(chunks).toString();
        let parsed = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {}
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (err) => resolve({ status: 0, body: err.code ?? err.message }));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/// A request that must answer 2xx (setup); throws with the node, the call and the answer.
async function api(node, method, path, token, body) {
  const r = await send(node, method, path, token, body);
  if (r.status < 200 || r.status > 299)
    throw new Error(`${node.id}: ${method} ${path} -> ${r.status} ${show(r.body).slice(0, 300)}`);
  return r.body;
}

/// fn over items with at most `concurrency` calls running; the results in item order.
async function pool(items, concurrency, fn, progress = () => {}) {
  const out = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
      progress(++done);
    }
  };
  await Promise.all(range(Math.min(concurrency, items.length)).map(worker));
  return out;
}

function psql(sql) {
  const out = execFileSync("psql", [env.DATABASE_URL, "-AtF", "\t", "-c", sql], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  return out.split("\n").filter(Boolean).map((l) => l.split("\t"));
}

// ---- placement (domain/placement.cpp) -----------------------------------------------------

const MASK = (1n << 64n) - 1n;

function fnv1a(bytes, h) {
  for (const c of bytes) h = ((h ^ BigInt(c)) * 0x100000001b3n) & MASK;
  return h;
}

function mix(z) {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/// FNV-1a 64 over the node id, one NUL byte and the key, then SplitMix64's finaliser.
function weight(node, key) {
  const h = fnv1a(Buffer.from(node), 0xcbf29ce484222325n);
  return mix(fnv1a(Buffer.from(key), fnv1a([0], h)));
}

/// The member with the highest weight for the key; ties to the smaller id.
function owner(members, key) {
  let best = null;
  let bestWeight = 0n;
  for (const m of members) {
    const w = weight(m, key);
    if (best === null || w > bestWeight || (w === bestWeight && m < best)) [best, bestWeight] = [m, w];
  }
  return best;
}

// ---- statistics ---------------------------------------------------------------------------

function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : null;
}

/// {count, p50_ms, p90_ms, p99_ms, max_ms} of a list of milliseconds.
function latency(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (x) => (s.length ? round1(quantile(s, x)) : null);
  return { count: s.length, p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), max_ms: q(1) };
}

const fmtLatency = (l) => `p50 ${l.p50_ms} ms, p90 ${l.p90_ms} ms, p99 ${l.p99_ms} ms, max ${l.max_ms} ms (${l.count})`;

/// Failed writes by answer: {"503": n, "ECONNRESET": n, …}.
function failureKinds(writes) {
  const kinds = {};
  for (const w of writes) if (!w.ok) kinds[w.why] = (kinds[w.why] ?? 0) + 1;
  return kinds;
}

// ---- setup --------------------------------------------------------------------------------

/// An account with an administrator (its token), an API inbox without auto-assignment and
/// its contacts, created through node-1.
async function createAccount(o, tag) {
  const [n1] = nodes;
  const P = env.PLATFORM_TOKEN;
  const account = await api(n1, "POST", "/platform/api/v1/accounts", P, { name: `Bench ${tag}` });
  const user = await api(n1, "POST", "/platform/api/v1/users", P, { name: "Bench", email: `${tag}@bench.test` });
  await api(n1, "POST", `/platform/api/v1/accounts/${account.id}/account_users`, P, {
    user_id: user.id,
    role: "administrator",
  });
  const A = `/api/v1/accounts/${account.id}`;
  const token = user.access_token;
  const inbox = await api(n1, "POST", `${A}/inboxes`, token, {
    name: "Bench",
    enable_auto_assignment: false,
    channel: { type: "api" },
  });
  const contacts = await pool(range(o.contacts), o.setupConcurrency, async (i) => {
    const c = await api(nodes[i % 3], "POST", `${A}/contacts`, token, { name: `Contact ${i}`, inbox_id: inbox.id });
    return c.payload.contact.id;
  });
  return { accountId: account.id, A, token, inboxId: inbox.id, contacts };
}

/// N conversations through all nodes (bounded concurrency), each {display, id, owner}: the
/// display id of the API, conversations.id (psql) and its owner among the three nodes.
async function createConversations(o, S) {
  let shown = 0;
  const progress = (done) => {
    if (done * 10 >= (shown + 1) * o.conversations) {
      shown = Math.floor((done * 10) / o.conversations);
      console.log(`  setup: ${done}/${o.conversations} conversations`);
    }
  };
  const displays = await pool(
    range(o.conversations),
    o.setupConcurrency,
    async (i) => {
      const body = { inbox_id: S.inboxId, contact_id: S.contacts[i % S.contacts.length] };
      return (await api(nodes[i % 3], "POST", `${S.A}/conversations`, S.token, body)).id;
    },
    progress,
  );
  const rows = psql(`SELECT display_id, id FROM conversations WHERE account_id = ${Number(S.accountId)}`);
  const internal = new Map(rows.map(([d, id]) => [Number(d), Number(id)]));
  const members = nodes.map((n) => n.id);
  return displays.map((display) => {
    const id = internal.get(display);
    return { display, id, owner: owner(members, `conversation:${id}`) };
  });
}

async function setup(o) {
  const tag = `b6-${Date.now().toString(36)}`;
  const started = now();
  const S = await createAccount(o, tag);
  S.tag = tag;
  S.convs = await createConversations(o, S);
  const s = (now() - started) / 1000;
  console.log(
    `setup: account ${S.accountId}, API inbox without auto-assignment, ${o.contacts} contacts, ` +
      `${o.conversations} conversations in ${s.toFixed(1)} s (${Math.round(o.conversations / s)}/s, ` +
      `${o.setupConcurrency} in flight, round robin over the 3 nodes)`,
  );
  const state = { writes: [], seq: 0, t0: null, firstOk: new Map(), firstTry: new Map(), pending: new Set() };
  return { ...S, ...state, queue: [], queueHead: 0, retries: [] };
}

// ---- writes -------------------------------------------------------------------------------

/// One message (incoming or outgoing at random, unique content) to `conv` through `node`;
/// every attempt is recorded. After the kill (S.t0) the first attempt and the first
/// acknowledgement of each conversation among writes started after it are kept, and a
/// conversation refused before its first acknowledgement is retried 50 ms later.
async function write(S, conv, node, kind) {
  const content = `${S.tag} ${kind} ${++S.seq}`;
  const message_type = Math.random() < 0.5 ? "incoming" : "outgoing";
  const path = `${S.A}/conversations/${conv.display}/messages`;
  const start = now();
  const afterKill = S.t0 !== null && start >= S.t0;
  if (afterKill && !S.firstTry.has(conv.display)) S.firstTry.set(conv.display, start - S.t0);
  const p = send(node, "POST", path, S.token, { content, message_type }, false);
  S.pending.add(p);
  const r = await p;
  S.pending.delete(p);
  const end = now();
  const ok = r.status >= 200 && r.status < 300;
  const why = ok ? null : r.status ? String(r.status) : String(r.body);
  const w = { conv: conv.display, owner: conv.owner, node: node.id, content, kind, start, end, ok, why };
  w.body = ok ? null : r.body;
  S.writes.push(w);
  if (afterKill) {
    if (ok && !S.firstOk.has(w.conv)) S.firstOk.set(w.conv, end - S.t0);
    if (!ok && !S.firstOk.has(w.conv)) S.retries.push({ conv, at: end + 50 });
  }
  return w;
}

/// The probe queue, filled at the kill: every conversation, the victim's first.
function fillQueue(S) {
  const victims = S.convs.filter((c) => c.owner === S.victim.id);
  S.queue = [...victims, ...S.convs.filter((c) => c.owner !== S.victim.id)];
  S.queueHead = 0;
}

/// The next write's conversation and kind: after the kill a refused conversation due for its
/// retry, or else the next queued one, not yet acknowledged since the kill ("probe");
/// otherwise a random one ("load").
function nextConversation(S) {
  while (S.retries.length && S.retries[0].at <= now()) {
    const { conv } = S.retries.shift();
    if (!S.firstOk.has(conv.display)) return [conv, "probe"];
  }
  while (S.queueHead < S.queue.length) {
    const conv = S.queue[S.queueHead++];
    if (!S.firstOk.has(conv.display)) return [conv, "probe"];
  }
  return [S.convs[Math.floor(Math.random() * S.convs.length)], "load"];
}

/// The open-loop load: a token bucket at o.rate msgs/s refilled every 2 ms, each token one
/// write (nextConversation) through the next of S.targets (round robin), at most o.inflight
/// in flight; tokens beyond a 20 ms burst are counted as not sent. Runs until `endAt`, and
/// on while a conversation has not been acknowledged since the kill, until `deadline()`.
function runLoad(S, o, endAt, deadline) {
  const L = { sent: 0, unsent: 0, inflight: 0 };
  let tokens = 0;
  let last = now();
  let rr = 0;
  const burst = Math.max(1, o.rate * 0.02);
  const fire = () => {
    const [conv, kind] = nextConversation(S);
    ++L.sent;
    ++L.inflight;
    write(S, conv, S.targets[rr++ % S.targets.length], kind).finally(() => --L.inflight);
  };
  const finished = (t) => t >= deadline() || (t >= endAt && S.t0 !== null && S.firstOk.size === S.convs.length);
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const t = now();
      tokens += ((t - last) * o.rate) / 1000;
      last = t;
      for (; tokens >= 1 && L.inflight < o.inflight; tokens -= 1) fire();
      if (tokens > burst) {
        L.unsent += Math.floor(tokens - burst);
        tokens -= Math.floor(tokens - burst);
      }
      if (finished(t)) {
        clearInterval(timer);
        resolve({ ...L, end: t });
      }
    }, 2);
  });
}

// ---- ownership ----------------------------------------------------------------------------

/// Conversations per node by placement over the three, and the node owning the most.
function pickVictim(S) {
  const counts = Object.fromEntries(nodes.map((n) => [n.id, 0]));
  for (const c of S.convs) ++counts[c.owner];
  const victim = [...nodes].sort((a, b) => counts[b.id] - counts[a.id] || (a.id < b.id ? -1 : 1))[0];
  return { counts, victim };
}

/// owned.conversation of every node as `node` sees it in GET /ops/api/cluster.
async function opsOwned(node) {
  const view = await api(node, "GET", "/ops/api/cluster", env.PLATFORM_TOKEN);
  return Object.fromEntries(view.nodes.map((e) => [e.id, e.owned?.conversation]));
}

/// entity_owners (psql) against the placement computed here: conversations whose owner row
/// names the computed node, another node, or none yet (not activated). Another node fails.
function checkOwners(S, requireAll) {
  const rows = psql(`SELECT e.entity_id, e.owner_node FROM entity_owners e
    JOIN conversations c ON e.entity_type = 'conversation' AND e.entity_id = c.id::text
    WHERE c.account_id = ${Number(S.accountId)} AND e.owner_node <> ''`);
  const stored = new Map(rows.map(([id, node]) => [Number(id), node]));
  const differ = S.convs.filter((c) => stored.has(c.id) && stored.get(c.id) !== c.owner);
  const missing = S.convs.filter((c) => !stored.has(c.id)).length;
  const agree = S.convs.length - differ.length - missing;
  console.log(`placement check (entity_owners): ${agree} agree, ${differ.length} differ, ${missing} not owned yet`);
  if (differ.length) {
    const c = differ[0];
    throw new Error(`entity_owners differs from the placement: conversation ${c.id} owned by ` +
      `${stored.get(c.id)}, computed ${c.owner} (${differ.length} such)`);
  }
  if (requireAll && missing) throw new Error(`${missing} conversations have no owner after a write each`);
}

// ---- failover -----------------------------------------------------------------------------

async function failover(S, o) {
  const { counts, victim } = pickVictim(S);
  const survivors = nodes.filter((n) => n !== victim);
  Object.assign(S, { victim, targets: nodes });
  console.log(`B6 failover: ${S.convs.length} conversations, owners by placement ${show(counts)}; ` +
    `offered ${o.rate} msgs/s for ${o.seconds} s, ${o.inflight} in flight; kill -9 of ${victim.id} ` +
    `after ${round1(o.seconds / 3)} s`);
  console.log(`  owned.conversation before the load (/ops/api/cluster of ${survivors[0].id}): ` +
    show(await opsOwned(survivors[0])));
  checkOwners(S, true);
  const start = now();
  const endAt = start + o.seconds * 1000;
  let deadline = Infinity;
  const loading = runLoad(S, o, endAt, () => deadline);
  await delay(start + (o.seconds * 1000) / 3 - now()); // the kill's scheduled moment in the run
  S.t0 = now();
  process.kill(victim.pid, "SIGKILL");
  Object.assign(S, { targets: survivors, timeout_s: recoveryTimeout(S, o, start) });
  deadline = S.t0 + S.timeout_s * 1000;
  fillQueue(S);
  const load = await loading;
  await Promise.all([...S.pending]);
  return failoverReport(S, o, { start, endAt: Math.max(endAt, load.end), load, counts });
}

/// --recovery-timeout, or by default 60 s or three times what writing once to every
/// conversation takes at the rate acknowledged before the kill, whichever is longer.
function recoveryTimeout(S, o, start) {
  if (o.recoveryTimeout) return o.recoveryTimeout;
  const rate = S.writes.filter((w) => w.ok && w.end >= start).length / ((S.t0 - start) / 1000);
  return Math.ceil(Math.max(60, (3 * S.convs.length) / Math.max(rate, 1)));
}

/// Acknowledged writes per second among those that ended in [from, to).
function achieved(writes, from, to) {
  return round1(writes.filter((w) => w.ok && w.end >= from && w.end < to).length / ((to - from) / 1000));
}

/// The per-conversation recovery times (ms after the kill) of a set of conversations.
function recovery(S, convs) {
  const times = convs.map((c) => S.firstOk.get(c.display)).filter((t) => t !== undefined);
  const waits = convs
    .filter((c) => S.firstOk.has(c.display))
    .map((c) => S.firstOk.get(c.display) - S.firstTry.get(c.display));
  const first_ms = times.length ? round1(Math.min(...times)) : null;
  const stalled_over_3s = waits.filter((ms) => ms > 3000).length;
  return { ...latency(times), first_ms, unrecovered: convs.length - times.length, wait: latency(waits), stalled_over_3s };
}

/// The failed writes of the failover (load and probes): counts and the failure kinds.
function failureSummary(failed, t0) {
  return {
    failed: failed.length,
    failed_in_flight_at_kill: failed.filter((w) => w.start < t0 && w.end >= t0).length,
    failed_started_after_kill: failed.filter((w) => w.start >= t0).length,
    last_failure_ms: failed.length ? round1(Math.max(...failed.map((w) => w.end)) - t0) : null,
    failures: failureKinds(failed),
  };
}

function failoverReport(S, o, { start, endAt, load, counts }) {
  const t0 = S.t0;
  const writes = S.writes.filter((w) => w.kind === "load" || w.kind === "probe");
  const ms = (ws) => ws.filter((w) => w.ok).map((w) => w.end - w.start);
  const failed = writes.filter((w) => !w.ok);
  const isVictim = (c) => c.owner === S.victim.id;
  const rec = {
    all: recovery(S, S.convs),
    victim: recovery(S, S.convs.filter(isVictim)),
    others: recovery(S, S.convs.filter((c) => !isVictim(c))),
  };
  const r = {
    bench: "failover", case: "b6", conversations: S.convs.length,
    victim: S.victim.id, victim_conversations: counts[S.victim.id],
    offered_per_s: o.rate, seconds: o.seconds, kill_at_s: round1((t0 - start) / 1000),
    load_seconds: round1((endAt - start) / 1000), recovery_timeout_s: S.timeout_s,
    sent: writes.length, not_sent: load.unsent, probes_sent: writes.filter((w) => w.kind === "probe").length,
    achieved_before_per_s: achieved(writes, start, t0), achieved_after_per_s: achieved(writes, t0, endAt),
    latency_before: latency(ms(writes.filter((w) => w.start < t0))),
    latency_after: latency(ms(writes.filter((w) => w.start >= t0))),
    recovery_all_ms: rec.all.max_ms, recovery_victim_ms: rec.victim.max_ms, recovery_others_ms: rec.others.max_ms,
    first_victim_write_ms: rec.victim.first_ms, unrecovered: rec.all.unrecovered,
    coverage_floor_ms: round1((S.convs.length / Math.max(achieved(writes, t0, endAt), 1)) * 1000),
    stalled_over_3s: rec.all.stalled_over_3s,
    retry_ratio: writes.length ? failed.length / writes.length : 0,
    ...failureSummary(failed, t0),
    recovery: rec,
  };
  printFailover(r, rec, failed, t0);
  return r;
}

function printFailover(r, rec, failed, t0) {
  const say = (line) => console.log(`  ${line}`);
  say(`before the kill: offered ${r.offered_per_s}/s to 3 nodes, achieved ${r.achieved_before_per_s} msgs/s ` +
    `acknowledged; latency ${fmtLatency(r.latency_before)}`);
  say(`after the kill:  offered ${r.offered_per_s}/s to 2 nodes, achieved ${r.achieved_after_per_s} msgs/s ` +
    `acknowledged; latency ${fmtLatency(r.latency_after)}`);
  say(`writes: sent ${r.sent} (${r.probes_sent} of them probes), not sent (in-flight bound) ${r.not_sent}; ` +
    `load ran ${r.load_seconds} s, kill at ${r.kill_at_s} s`);
  say(`recovery: every conversation writable again after ${r.recovery_all_ms} ms (target 3000 ms; ` +
    `${r.unrecovered} not within ${r.recovery_timeout_s} s)`);
  const v = rec.victim;
  const o = rec.others;
  say(`  ${r.victim}'s ${r.victim_conversations}: first after ${v.first_ms} ms, p50 ${v.p50_ms}, ` +
    `p99 ${v.p99_ms}, max ${v.max_ms} ms`);
  say(`  the survivors' ${o.count + o.unrecovered}: p50 ${o.p50_ms}, p99 ${o.p99_ms}, max ${o.max_ms} ms`);
  say(`  (one write to each of the ${r.conversations} at the rate achieved after the kill takes ` +
    `${r.coverage_floor_ms} ms: the floor of the max above)`);
  say(`  first attempt after the kill -> first 2xx, per conversation: ${fmtLatency(rec.all.wait)}; ` +
    `${r.stalled_over_3s} conversations waited more than 3 s`);
  say(`requests: sent ${r.sent}, failed ${r.failed} (retry ratio ${(r.retry_ratio * 100).toFixed(3)} %, ` +
    `target <= 0.1 %): ${show(r.failures)}`);
  say(`  ${r.failed_in_flight_at_kill} were in flight at the kill, ${r.failed_started_after_kill} started ` +
    `after it; the last failure ended ${r.last_failure_ms} ms after the kill`);
  const samples = new Map();
  for (const w of failed) if (!samples.has(w.why)) samples.set(w.why, w);
  for (const [why, w] of samples) {
    const at = `${w.start < t0 ? "" : "+"}${round1(w.start - t0)}`;
    const to = `conversation ${w.conv} (owner ${w.owner})`;
    say(`  e.g. ${why} via ${w.node} to ${to}, started at kill${at} ms: ${show(w.body).slice(0, 200)}`);
  }
  if (r.not_sent)
    say(`note: the cluster took less than the offered rate (${r.not_sent} writes not sent): ` +
      `latencies and recovery times include queueing`);
}

// ---- remote hop ---------------------------------------------------------------------------

/// One write per conversation through its owner, so that every conversation is active on
/// its owner before the measurements (as in B6's steady state); then entity_owners must
/// agree with the placement computed here.
async function warmUp(S, o) {
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
  const started = now();
  const ws = await pool(S.convs, o.hopConcurrency, (c) => write(S, c, byId[c.owner], "warm-up"));
  const failed = ws.filter((w) => !w.ok);
  const s = (now() - started) / 1000;
  console.log(`warm-up: one write per conversation through its owner in ${s.toFixed(1)} s ` +
    `(${Math.round(S.convs.length / s)}/s, ${o.hopConcurrency} in flight), ${failed.length} failed`);
  if (failed.length) throw new Error(`warm-up writes failed: ${show(failureKinds(failed))}`);
  checkOwners(S, true);
}

/// Fisher-Yates, in place.
function shuffled(a) {
  for (let i = a.length - 1; i > 0; --i) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/// o.hopMessages writes (default one per conversation, shuffled), o.hopConcurrency at a
/// time, each through the conversation's owner ("local") or one of the two others ("remote").
async function hopRound(S, o, mode) {
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
  const order = shuffled(range(S.convs.length));
  const count = o.hopMessages || S.convs.length;
  const started = now();
  const ws = await pool(range(count), o.hopConcurrency, (i) => {
    const conv = S.convs[order[i % order.length]];
    const others = nodes.filter((n) => n.id !== conv.owner);
    return write(S, conv, mode === "local" ? byId[conv.owner] : others[i % 2], `hop-${mode}`);
  });
  const seconds = (now() - started) / 1000;
  const ok = ws.filter((w) => w.ok);
  const ms = ok.map((w) => w.end - w.start);
  return { count, seconds, per_s: round1(ok.length / seconds), failed: ws.length - ok.length, ms };
}

/// The RESULT of one direction ("local" or "remote") over its rounds.
function hopSummary(S, o, mode, rounds) {
  const ok = rounds.reduce((n, x) => n + x.ms.length, 0);
  const seconds = rounds.reduce((n, x) => n + x.seconds, 0);
  const failed = rounds.reduce((n, x) => n + x.failed, 0);
  return {
    bench: "failover", case: `hop_${mode}`, sent_to: mode === "local" ? "owner" : "non-owner",
    conversations: S.convs.length, concurrency: o.hopConcurrency, rounds: o.hopRounds,
    messages: ok + failed, failed, msgs_per_s: round1(ok / seconds), latency: latency(rounds.flatMap((x) => x.ms)),
  };
}

async function hop(S, o) {
  const rounds = { local: [], remote: [] };
  for (let r = 1; r <= o.hopRounds; ++r) {
    for (const mode of ["local", "remote"]) {
      const x = await hopRound(S, o, mode);
      rounds[mode].push(x);
      console.log(`  hop round ${r} ${mode.padEnd(6)}: ${x.per_s} msgs/s, ${fmtLatency(latency(x.ms))}, ` +
        `failed ${x.failed}`);
    }
  }
  const [local, remote] = ["local", "remote"].map((mode) => hopSummary(S, o, mode, rounds[mode]));
  const div = (a, b) => Math.round((a / b) * 1000) / 1000;
  const ratio = {
    bench: "failover", case: "hop_ratio",
    throughput_remote_over_local: div(remote.msgs_per_s, local.msgs_per_s),
    p50_remote_over_local: div(remote.latency.p50_ms, local.latency.p50_ms),
    p99_remote_over_local: div(remote.latency.p99_ms, local.latency.p99_ms),
  };
  console.log(`remote hop (${o.hopRounds} rounds of ${local.messages / o.hopRounds} writes each way, ` +
    `${o.hopConcurrency} in flight, alternating):`);
  for (const x of [local, remote])
    console.log(`  to the ${x.sent_to.padEnd(9)}: ${x.msgs_per_s} msgs/s, ${fmtLatency(x.latency)}, failed ${x.failed}`);
  console.log(`  ratio remote/local: throughput ${ratio.throughput_remote_over_local}, ` +
    `p50 ${ratio.p50_remote_over_local}, p99 ${ratio.p99_remote_over_local}`);
  return [local, remote, ratio];
}

// ---- verification and main ----------------------------------------------------------------

/// Every acknowledged message stored exactly once, and no message of the run stored twice.
function verify(S) {
  const rows = psql(`SELECT content, count(*) FROM messages WHERE account_id = ${Number(S.accountId)}
    AND content LIKE '${S.tag} %' GROUP BY content`);
  const stored = new Map(rows.map(([content, n]) => [content, Number(n)]));
  const acked = S.writes.filter((w) => w.ok);
  const lost = acked.filter((w) => !stored.has(w.content));
  const duplicated = [...stored].filter(([, n]) => n > 1);
  const unacked = S.writes.filter((w) => !w.ok && stored.has(w.content));
  const when = (w) => (S.t0 === null ? "" : w.start < S.t0 ? " started before the kill" : " started after the kill");
  const unackedKinds = failureKinds(unacked.map((w) => ({ ...w, why: w.why + when(w) })));
  console.log(`database: ${acked.length} acknowledged writes, ${stored.size} distinct contents stored; ` +
    `lost ${lost.length}, duplicated ${duplicated.length}, stored though not acknowledged ${unacked.length} ` +
    `(the client saw ${show(unackedKinds)})`);
  const problems = [];
  if (lost.length)
    problems.push(`${lost.length} acknowledged messages lost, e.g. "${lost[0].content}" via ${lost[0].node}`);
  if (duplicated.length) {
    const [content, n] = duplicated[0];
    problems.push(`${duplicated.length} messages stored more than once, e.g. "${content}" ${n} times`);
  }
  const counts = { acknowledged: acked.length, lost: lost.length, duplicated: duplicated.length };
  return { ...counts, stored_unacknowledged: unacked.length, stored_unacknowledged_kinds: unackedKinds, problems };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (nodes.length !== 3) throw new Error("NODE_IDS, NODE_URLS, NODE_PIDS name no three nodes (bench/failover.sh)");
  const S = await setup(o);
  await warmUp(S, o);
  const results = [];
  if (o.mode !== "failover") results.push(...(await hop(S, o)));
  if (o.mode !== "hop") results.push(await failover(S, o));
  const db = verify(S);
  const problems = [...db.problems];
  const b6 = results.find((r) => r.case === "b6");
  if (b6?.unrecovered)
    problems.push(`${b6.unrecovered} conversations not writable ${b6.recovery_timeout_s} s after the kill`);
  delete db.problems;
  const last = results.at(-1); // b6, or hop_ratio with --hop: it carries the database check
  for (const r of results) console.log(`RESULT ${show(r === last ? { ...r, ...db } : r)}`);
  return problems;
}

main().then(
  (problems) => {
    for (const p of problems) console.error(`FAILED: ${p}`);
    process.exit(problems.length ? 1 : 0);
  },
  (err) => {
    console.error(`FAILED: ${err.message}`);
    process.exit(1);
  },
);
