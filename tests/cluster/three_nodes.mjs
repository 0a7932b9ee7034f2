// Three messengerd nodes on one database behave as one system (issue 11): reads agree on every
// node, Chatwoot's conversation metrics hold when the writes go through different nodes,
// concurrent writes to one conversation and round-robin assignment are serialized cluster-wide,
// events reach /cable and SSE subscribers of every node, and a node killed under load loses no
// acknowledged message, its conversations move to the survivors and it rejoins on restart.
// Started by tests/cluster/run.sh (see there for the environment); the helpers are lib.mjs's.
// Every scenario runs even when an earlier one failed (the kill comes last); any failure makes
// the exit status 1.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import {
  nodes,
  platformToken,
  delay,
  show,
  request,
  api,
  eventually,
  internalIds,
  placementOwner,
  step,
  finish,
  W,
  bootstrap,
  createConversation,
  getConversation,
  postMessage,
  allMessages,
  storedCounts,
  startNode,
  awaitMembers,
  psql,
} from "./lib.mjs";

const require = createRequire(new URL("../sdk/package.json", import.meta.url));
const WebSocket = require("ws");

/// The keys on which two JSON objects differ, with both values.
function differences(a, b) {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys]
    .filter((k) => show(a?.[k]) !== show(b?.[k]))
    .map((k) => `${k}: ${show(a?.[k])} vs ${show(b?.[k])}`);
}

/// The conversation as all three nodes show it at one moment: node-1 is read before and after
/// the others; when those two reads differ the conversation was still changing (e.g. an
/// assignment's activity message) and the round is repeated (bounded).
async function readEverywhere(id) {
  return eventually(`a stable read of conversation ${id}`, 10000, async () => {
    const reads = await Promise.all(nodes.map((n) => getConversation(n, id)));
    const again = await getConversation(nodes[0], id);
    return differences(reads[0], again).length === 0 ? reads : null;
  });
}

function assertSameEverywhere(reads, what) {
  for (let i = 1; i < reads.length; ++i) {
    const diff = differences(reads[0], reads[i]);
    if (diff.length)
      throw new Error(`${what}: ${nodes[i].id} differs from ${nodes[0].id}: ${diff.join("; ")}`);
  }
}

// ---- scenarios ----------------------------------------------------------------------------

async function clusterShape() {
  const ids = nodes.map((n) => n.id).sort();
  for (const node of nodes) {
    const view = await api(node, "GET", "/ops/api/cluster", platformToken);
    assert.ok(Array.isArray(view.nodes), `${node.id}: nodes is an array: ${show(view)}`);
    assert.deepEqual(view.nodes.map((e) => e.id).sort(), ids, `${node.id}: the node ids`);
    for (const e of view.nodes) {
      const where = `${node.id} about ${e.id}`;
      assert.equal(typeof e.cluster_addr, "string", `${where}: cluster_addr ${show(e.cluster_addr)}`);
      assert.match(e.cluster_addr, /:[1-9][0-9]*$/, `${where}: cluster_addr has the bound port`);
      assert.equal(typeof e.incarnation, "number", `${where}: incarnation ${show(e.incarnation)}`);
      assert.ok(!Number.isNaN(Date.parse(e.lease_until)), `${where}: lease_until ${show(e.lease_until)}`);
      assert.equal(typeof e.status, "string", `${where}: status ${show(e.status)}`);
      assert.equal(e.live, true, `${where}: live ${show(e.live)}`);
      assert.equal(e.connected, true, `${where}: connected ${show(e.connected)}`);
      for (const kind of ["conversation", "inbox", "operator"])
        assert.equal(typeof e.owned?.[kind], "number", `${where}: owned.${kind} in ${show(e.owned)}`);
    }
  }
}

async function readsAgree() {
  const created = await createConversation(nodes[0], W.autoInbox);
  // The auto-assignment inbox assigns it; wait for that so all reads see the same state.
  await eventually(`conversation ${created.id} assigned (read on ${nodes[0].id})`, 10000, async () =>
    (await getConversation(nodes[0], created.id)).meta?.assignee?.id,
  );
  const reads = await readEverywhere(created.id);
  assertSameEverywhere(reads, `conversation ${created.id}`);
  for (const key of ["id", "status", "waiting_since", "first_reply_created_at", "last_activity_at"])
    assert.ok(key in reads[0], `the conversation JSON has ${key}: ${show(Object.keys(reads[0]))}`);
}

async function metricsAcrossNodes() {
  const [n1, n2, n3] = nodes;
  const conv = await createConversation(n1, W.manualInbox);
  const id = conv.id;
  const incoming = await postMessage(n2, id, "where is my parcel?", W.token, { message_type: "incoming" });
  const reply = await postMessage(n3, id, "on its way", W.agents[0].access_token);
  assert.equal(reply.message_type, 1, `the reply through ${n3.id} is outgoing`);
  const afterReply = await getConversation(n1, id);
  const lastCreated = async (node) => (await allMessages(node, id)).at(-1).created_at;
  const expect = (c, key, want, when) =>
    assert.equal(c[key], want, `${when}: ${key} is ${show(c[key])}, expected ${show(want)}`);
  const when1 = `read on ${n1.id} after incoming on ${n2.id} and reply on ${n3.id}`;
  expect(afterReply, "first_reply_created_at", reply.created_at, when1);
  expect(afterReply, "waiting_since", 0, when1);
  expect(afterReply, "last_activity_at", await lastCreated(n1), when1);
  assert.ok(reply.created_at >= incoming.created_at);

  const again = await postMessage(n1, id, "hello?", W.token, { message_type: "incoming" });
  const afterAgain = await getConversation(n2, id); // at once: no lag allowed
  const when2 = `read on ${n2.id} right after an incoming on ${n1.id}`;
  expect(afterAgain, "waiting_since", again.created_at, when2);
  expect(afterAgain, "first_reply_created_at", reply.created_at, when2);
  expect(afterAgain, "last_activity_at", await lastCreated(n2), when2);
  assertSameEverywhere(await readEverywhere(id), `conversation ${id} after the writes`);
}

async function concurrentWritesToOneConversation() {
  const conv = await createConversation(nodes[0], W.manualInbox);
  const contents = Array.from({ length: 30 }, (_, i) => `burst ${i} through ${nodes[i % 3].id}`);
  const messages = `${W.A}/conversations/${conv.id}/messages`;
  const results = await Promise.all(
    contents.map((content, i) => request(nodes[i % 3], "POST", messages, W.token, { content })),
  );
  const refused = results
    .map((r, i) => [r, i])
    .filter(([r]) => r.status < 200 || r.status > 299)
    .map(([r, i]) => `#${i} on ${nodes[i % 3].id}: ${r.status} ${show(r.body)}`);
  if (refused.length) throw new Error(`${refused.length} of 30 writes refused: ${refused.join("; ")}`);
  for (const node of nodes) {
    const listed = (await allMessages(node, conv.id)).map((m) => m.content);
    for (const c of contents) {
      const n = listed.filter((x) => x === c).length;
      assert.equal(n, 1, `${node.id} lists "${c}" ${n} times`);
    }
  }
  const earliest = Math.min(...results.map((r) => r.body.created_at));
  for (const [i, c] of (await readEverywhere(conv.id)).entries())
    assert.equal(c.first_reply_created_at, earliest, `${nodes[i].id}: first_reply_created_at vs the first reply`);
}

async function roundRobinAcrossNodes() {
  const created = await Promise.all(
    Array.from({ length: 30 }, (_, i) => createConversation(nodes[i % 3], W.autoInbox)),
  );
  const assignees = await eventually("all 30 conversations assigned (read on node-1)", 15000, async () => {
    const reads = await Promise.all(created.map((c) => getConversation(nodes[0], c.id)));
    const ids = reads.map((c) => c.meta?.assignee?.id);
    return ids.every(Boolean) ? ids : null;
  });
  const counts = Object.fromEntries(W.agents.map((a) => [a.id, 0]));
  for (const id of assignees) counts[id] = (counts[id] ?? 0) + 1;
  const even = Object.fromEntries(W.agents.map((a) => [a.id, 10]));
  assert.deepEqual(counts, even, `conversations per agent id: ${show(counts)}`);
  for (const [i, c] of created.entries()) {
    const other = nodes[(i + 1) % 3];
    const seen = (await getConversation(other, c.id)).meta?.assignee?.id;
    assert.equal(seen, assignees[i], `conversation ${c.id}: assignee on ${other.id} vs ${nodes[0].id}`);
  }
}

/// The auto inbox's actor view as the node answering shows it (from the owner).
const inboxView = (node) => api(node, "GET", `/ops/api/actors/inbox/${W.autoInbox.id}`, platformToken);
/// What a handoff carries: the ring and the rate window.
const inboxState = async (node) => {
  const v = await inboxView(node);
  return { ring: v.ring, rate_limiter: v.rate_limiter };
};

const inboxOwner = () =>
  psql(`SELECT owner_node FROM entity_owners WHERE entity_type = 'inbox' AND entity_id = '${W.autoInbox.id}'`)[0]?.[0];

/// The auto inbox's owner leaves gracefully (SIGTERM) and comes back: after each handoff
/// the new owner shows the same ring and rate window (round robin continues where it was,
/// not from the member list with empty windows), and the next assignments follow the ring.
async function inboxHandoff() {
  const before = await inboxState(nodes[0]);
  const owner = inboxOwner();
  const i = nodes.findIndex((n) => n.id === owner);
  assert.ok(i >= 0, `the inbox's entity_owners row names a node: ${show(owner)}`);
  const counts = Object.values(before.rate_limiter);
  const total = counts.reduce((a, b) => a + b, 0);
  assert.ok(counts.length === 3 && total >= 30, `the rate window after step e: ${show(before.rate_limiter)}`);
  process.kill(nodes[i].pid, "SIGTERM");
  const survivors = nodes.filter((_, k) => k !== i);
  await awaitMembers(survivors, 30000);
  const moved = await inboxState(survivors[0]);
  const newOwner = inboxOwner();
  assert.ok(newOwner && newOwner !== owner, `after ${owner} left, the inbox is owned by ${show(newOwner)}`);
  assert.deepEqual(moved, before, `${owner} -> ${newOwner}: ring and rate window`);
  nodes[i] = await startNode(owner, "handoff");
  await awaitMembers(nodes, 30000);
  const back = await eventually(`the inbox is owned by ${owner} again`, 15000, async () => {
    const v = await inboxView(survivors[0]);
    // (and all three agents known eligible, so the next picks follow the ring alone)
    const ready = inboxOwner() === owner && v.eligible?.length === 3;
    return ready ? { ring: v.ring, rate_limiter: v.rate_limiter } : null;
  });
  assert.deepEqual(back, before, `${newOwner} -> ${owner}: ring and rate window`);
  console.log(`     ${owner} -> ${newOwner} -> ${owner}: ring ${show(before.ring)} and window kept`);
  const assigned = [];
  for (let k = 0; k < 3; ++k) {
    const c = await createConversation(nodes[k], W.autoInbox);
    assigned.push(
      await eventually(`conversation ${c.id} assigned`, 15000, async () => (await getConversation(nodes[0], c.id)).meta?.assignee?.id),
    );
  }
  assert.deepEqual(assigned, before.ring, "the next three assignments follow the carried ring");
}

// ---- realtime clients ---------------------------------------------------------------------

/// An agent's /cable connection subscribed to RoomChannel; `events` collects
/// {event, data}; resolves once the subscription is confirmed.
function cableClient(node, user) {
  const ws = new WebSocket(node.url.replace(/^http/, "ws") + "/cable", ["actioncable-v1-json"]);
  const { pubsub_token } = user;
  const identifier = show({ channel: "RoomChannel", pubsub_token, account_id: W.account.id, user_id: user.id });
  const client = { events: [], close: () => ws.terminate() };
  return new Promise((resolve, reject) => {
    const fail = (what) => reject(new Error(`${node.id}: /cable ${what}`));
    const timer = setTimeout(() => fail("subscription not confirmed in 10 s"), 10000);
    ws.on("error", (err) => fail(err.message));
    ws.on("message", (raw) => {
      const frame = JSON.parse(raw);
      if (frame.type === "welcome") ws.send(show({ command: "subscribe", identifier }));
      else if (frame.type === "confirm_subscription") {
        clearTimeout(timer);
        resolve(client);
      } else if (frame.type === "reject_subscription") fail("subscription rejected");
      else if (frame.message?.event) client.events.push(frame.message);
    });
  });
}

/// An SSE stream of the account for `token`; resolves once the response headers arrived (the
/// stream is registered before its first byte is sent).
async function sseClient(node, token, lastEventId) {
  const abort = new AbortController();
  const headers = { api_access_token: token };
  if (lastEventId !== undefined) headers["Last-Event-ID"] = String(lastEventId);
  const res = await fetch(`${node.url}${W.A}/events`, { headers, signal: abort.signal });
  if (res.status !== 200) throw new Error(`${node.id}: SSE ${res.status} ${await res.text()}`);
  const client = { events: [], close: () => abort.abort() };
  (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const line = (name) => frame.split("\n").find((l) => l.startsWith(`${name}: `));
          const field = (name) => line(name)?.slice(name.length + 2);
          if (field("event"))
            client.events.push({ id: Number(field("id")), event: field("event"), data: JSON.parse(field("data")) });
        }
      }
    } catch {} // aborted at the end
  })();
  return client;
}

async function realtimeAcrossNodes() {
  const [n1, n2, n3] = nodes;
  const conv = await createConversation(n1, W.manualInbox);
  const cable = await cableClient(n1, W.agents[0]);
  const sse = await sseClient(n2, W.token);
  try {
    const created = (client) => (id) =>
      client.events.filter((e) => e.event === "message.created" && e.data.id === id);
    const message = await postMessage(n3, conv.id, "realtime across nodes");
    const sentinel = await postMessage(n3, conv.id, "realtime sentinel");
    const check = async ([name, client]) => {
      const both = () => created(client)(message.id).length && created(client)(sentinel.id).length;
      const what = `${name}: message.created ${message.id} and ${sentinel.id} written on ${n3.id}`;
      await eventually(what, 10000, both);
      const got = created(client)(message.id);
      assert.equal(got.length, 1, `${name}: message.created ${message.id} received ${got.length} times`);
      assert.equal(got[0].data.content, "realtime across nodes", `${name}: content`);
      assert.equal(got[0].data.conversation_id, conv.id, `${name}: conversation_id`);
    };
    // Both checks run to the end, so a failure reports each subscriber.
    const outcomes = await Promise.allSettled([[`/cable on ${n1.id}`, cable], [`SSE on ${n2.id}`, sse]].map(check));
    const errors = outcomes.filter((o) => o.status === "rejected").map((o) => o.reason.message);
    if (errors.length) throw new Error(errors.join(" | "));
  } finally {
    cable.close();
    sse.close();
  }
}

/// The SSE id each stream gave message.created of `messageId` (undefined: not received).
const sseIdOf = (client, messageId) =>
  client.events.find((e) => e.event === "message.created" && e.data.id === messageId)?.id;

/// SSE ids are numbered once per account for the whole cluster: every node's stream shows an
/// event under the same id, ids only grow, and Last-Event-ID resumes on any node.
async function sseIdsAcrossNodes() {
  const conv = await createConversation(nodes[0], W.manualInbox);
  const streams = await Promise.all(nodes.map((n) => sseClient(n, W.token)));
  try {
    const first = [];
    for (const n of nodes) first.push(await postMessage(n, conv.id, `sse id via ${n.id}`));
    await eventually("every stream has the three messages", 10000, () =>
      streams.every((c) => first.every((m) => sseIdOf(c, m.id) !== undefined)));
    for (const m of first) {
      const ids = streams.map((c) => sseIdOf(c, m.id));
      assert.ok(ids.every((id) => id === ids[0]), `message ${m.id}: SSE ids per node ${show(ids)}`);
    }
    streams.forEach((c, k) => {
      const ids = c.events.map((e) => e.id);
      assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), `${nodes[k].id}: ids grow ${show(ids)}`);
    });
    const last = Math.max(...streams[0].events.map((e) => e.id));
    streams[2].close(); // the client of node-3 goes away, misses two messages, resumes on node-2
    const missed = [await postMessage(nodes[0], conv.id, "missed 1"), await postMessage(nodes[2], conv.id, "missed 2")];
    await eventually("node-1's stream has the missed messages", 10000, () =>
      missed.every((m) => sseIdOf(streams[0], m.id) !== undefined));
    const resumed = await sseClient(nodes[1], W.token, last);
    try {
      await eventually("the resumed stream replays the missed messages", 10000, () =>
        missed.every((m) => sseIdOf(resumed, m.id) !== undefined));
      for (const m of missed)
        assert.equal(sseIdOf(resumed, m.id), sseIdOf(streams[0], m.id), `message ${m.id}: resumed id`);
      const old = resumed.events.filter((e) => e.id <= last);
      assert.equal(old.length, 0, `the resumed stream repeats nothing up to ${last}: ${show(old)}`);
    } finally {
      resumed.close();
    }
  } finally {
    streams.forEach((c) => c.close());
  }
}

// ---- a node killed under load -------------------------------------------------------------

/// One sequential writer per conversation, alternating over `via`, until `stop`; every attempt
/// is recorded with its node, start, end and answer.
function startWriters(convIds, via) {
  const w = { stop: false, attempts: new Map(convIds.map((id) => [id, []])) };
  w.done = Promise.all(
    convIds.map(async (id, k) => {
      for (let seq = 0; !w.stop; ++seq) {
        const node = via[(seq + k) % via.length];
        const content = `steady ${id} #${seq} via ${node.id}`;
        const started = Date.now();
        const r = await request(node, "POST", `${W.A}/conversations/${id}/messages`, W.token, { content });
        const ok = r.status >= 200 && r.status < 300;
        const ended = Date.now();
        w.attempts.get(id).push({ node: node.id, content, started, ended, ok, status: r.status, body: r.body });
        await delay(20); // a steady pace for the load, not a wait for a condition
      }
    }),
  );
  return w;
}

/// When a conversation took writes again after `t0`: the end of the first write started after
/// `t0` that succeeded through each of `via` (the later of them), or null.
function recoveredAt(attempts, via, t0) {
  let latest = 0;
  for (const node of via) {
    const first = attempts.find((a) => a.node === node.id && a.ok && a.started >= t0);
    if (!first) return null;
    latest = Math.max(latest, first.ended);
  }
  return latest;
}

/// Counts of the account's messages with content starting "steady " (psql), by content.
const storedSteadyCounts = () => storedCounts("steady ");


/// Waits (15 s) until every conversation took a write started after `t0` through each
/// survivor; returns how long that took for the slowest one. The error names the ones that
/// did not recover and their last answers.
async function awaitRecovery(w, ids, survivors, t0) {
  const pending = () => ids.filter((id) => recoveredAt(w.attempts.get(id), survivors, t0) === null);
  try {
    await eventually("every conversation takes writes through both survivors again", 15000, () =>
      !pending().length,
    );
  } catch (err) {
    const last = pending().map((id) => [id, w.attempts.get(id).at(-1)]);
    const answers = last.map(([id, a]) => `${id} via ${a.node}: ${a.status} ${show(a.body)}`);
    throw new Error(`${err.message}; not recovered: ${answers.join("; ")}`);
  }
  return Math.max(...ids.map((id) => recoveredAt(w.attempts.get(id), survivors, t0))) - t0;
}

/// After recovery a conversation stays writable: 2 more writes through each survivor each,
/// and no write refused once it had recovered.
async function assertStaysWritable(w, ids, survivors, t0) {
  const since = new Map(ids.map((id) => [id, recoveredAt(w.attempts.get(id), survivors, t0)]));
  const later = (id) => w.attempts.get(id).filter((a) => a.started > since.get(id));
  await eventually("2 more writes through each survivor in every conversation", 15000, () =>
    ids.every((id) => survivors.every((n) => later(id).filter((a) => a.ok && a.node === n.id).length >= 2)),
  );
  const refused = ids.flatMap((id) => later(id).filter((a) => !a.ok).map((a) => ({ id, ...a })));
  const what = refused.slice(0, 5).map((a) => `${a.id} via ${a.node}: ${a.status} ${show(a.body)}`);
  assert.equal(refused.length, 0, `writes refused after their conversation recovered: ${what.join("; ")}`);
}

/// Every acknowledged write is stored exactly once (psql) and listed by `reader`; no write
/// (acknowledged or not) is stored twice.
async function assertStoredOnce(w, ids, reader) {
  const all = ids.flatMap((id) => w.attempts.get(id));
  const stored = storedSteadyCounts();
  const lost = all.filter((a) => a.ok && stored.get(a.content) !== 1);
  const sample = lost.slice(0, 5).map((a) => `"${a.content}" stored ${stored.get(a.content) ?? 0} times`);
  assert.equal(lost.length, 0, `acknowledged writes not stored exactly once: ${sample.join("; ")}`);
  assert.deepEqual([...stored].filter(([, n]) => n > 1), [], "messages stored more than once");
  for (const id of ids) {
    const listed = new Set((await allMessages(reader, id)).map((m) => m.content));
    const missing = w.attempts.get(id).filter((a) => a.ok && !listed.has(a.content));
    assert.equal(missing.length, 0, `${reader.id} lacks ${missing.length} acknowledged messages of ${id}`);
  }
  return all.filter((a) => a.ok).length;
}

/// Conversations snoozed for `seconds` whose owner is `victim` (their timers live there).
async function snoozeOnVictim(victim, seconds) {
  const convs = await Promise.all(Array.from({ length: 9 }, () => createConversation(nodes[0], W.manualInbox)));
  const internal = internalIds(convs.map((c) => c.id));
  const members = nodes.map((n) => n.id);
  const mine = convs.filter((c) => placementOwner(members, `conversation:${internal.get(c.id)}`) === victim.id);
  assert.ok(mine.length > 0, `none of 9 conversations is placed on ${victim.id}`);
  const until = Math.floor(Date.now() / 1000) + seconds;
  for (const c of mine) {
    const r = await api(nodes[0], "POST", `${W.A}/conversations/${c.id}/toggle_status`, W.token,
      { status: "snoozed", snoozed_until: until });
    assert.equal(r.payload?.current_status ?? r.current_status, "snoozed", `snooze ${c.id}: ${show(r)}`);
  }
  return { ids: mine.map((c) => c.id), until };
}

/// The snooze timers of the killed node's conversations fire on their new owners.
async function assertSnoozeFires(snoozed, node) {
  await eventually(`the ${snoozed.ids.length} snoozed conversations of the killed node reopen`, 30000, async () => {
    const statuses = await Promise.all(snoozed.ids.map(async (id) => (await getConversation(node, id)).status));
    return statuses.every((st) => st === "open");
  });
  const reopenedAt = Date.now() / 1000;
  assert.ok(reopenedAt >= snoozed.until, `reopened at ${reopenedAt}, before the snooze ended at ${snoozed.until}`);
  console.log(`     ${snoozed.ids.length} snoozed conversations of the killed node reopened on time on the survivors`);
}

async function killUnderLoad() {
  const [n1, victim, n3] = nodes;
  const survivors = [n1, n3];
  const convs = await Promise.all(Array.from({ length: 20 }, () => createConversation(n1, W.manualInbox)));
  const ids = convs.map((c) => c.id);
  const victimSeen = async () =>
    (await api(n1, "GET", "/ops/api/cluster", platformToken)).nodes.find((e) => e.id === victim.id);
  W.victimIncarnation = (await victimSeen())?.incarnation;
  const w = startWriters(ids, survivors);
  try {
    await eventually("3 acknowledged writes in each of the 20 conversations", 15000, () =>
      ids.every((id) => w.attempts.get(id).filter((a) => a.ok).length >= 3),
    );
    const owned = (await victimSeen())?.owned;
    console.log(`     ${victim.id} owns ${show(owned)} before the kill (${n1.id}'s view)`);
    const snoozed = await snoozeOnVictim(victim, 8);
    const t0 = Date.now();
    process.kill(victim.pid, "SIGKILL");
    W.victimKilled = true;
    const took = await awaitRecovery(w, ids, survivors, t0);
    const refused = ids.flatMap((id) => w.attempts.get(id).filter((a) => !a.ok && a.started >= t0)).length;
    console.log(`     failover: all 20 conversations writable through both survivors ${took} ms after`);
    console.log(`     the kill (B6 target 3000 ms); ${refused} writes refused or failed meanwhile`);
    await assertStaysWritable(w, ids, survivors, t0);
    await assertSnoozeFires(snoozed, n3);
  } finally {
    w.stop = true;
    await w.done;
  }
  const acked = await assertStoredOnce(w, ids, n3);
  console.log(`     ${acked} acknowledged writes, each stored once and listed on ${n3.id}`);
  W.steadyConversations = ids;
}

async function restartAndRejoin() {
  const old = nodes[1];
  const node = await startNode(old.id);
  nodes[1] = node;
  await awaitMembers(nodes, 30000, (e, viewer) => {
    if (e.id === node.id && W.victimIncarnation !== undefined && !(e.incarnation > W.victimIncarnation))
      throw new Error(`${viewer.id} sees ${node.id} at incarnation ${e.incarnation} (${W.victimIncarnation} before)`);
  });
  for (const id of W.steadyConversations ?? [(await createConversation(nodes[0], W.manualInbox)).id]) {
    const m = await postMessage(node, id, `after the restart ${id}`);
    for (const reader of [node, nodes[0]]) {
      const page = await api(reader, "GET", `${W.A}/conversations/${id}/messages?after=${m.id - 1}`, W.token);
      const listed = page.payload.some((x) => x.id === m.id);
      assert.ok(listed, `${reader.id} lists message ${m.id} of ${id} written on ${node.id}`);
    }
  }
}

// ---- main ---------------------------------------------------------------------------------

const setUp = "bootstrap through node-1: account, admin, 3 online agents, 2 inboxes, contacts";
if (!(await step(setUp, bootstrap))) process.exit(1);
await step("GET /ops/api/cluster on every node: 3 entries with their fields, live, connected", clusterShape);
await step("b. a conversation created on node-1 reads the same on node-2 and node-3", readsAgree);
await step("c. waiting_since, first_reply_created_at, last_activity_at over 3 nodes", metricsAcrossNodes);
await step("d. 30 concurrent replies to one conversation, 10 through each node", concurrentWritesToOneConversation);
await step("e. round robin: 30 conversations created concurrently on 3 nodes -> 10/10/10", roundRobinAcrossNodes);
await step("e. the inbox's ring and rate window move with it: its owner leaves (SIGTERM) and returns", inboxHandoff);
await step("f. a message written on node-3 reaches /cable on node-1 and SSE on node-2, once", realtimeAcrossNodes);
await step("f. SSE ids are the same on every node and Last-Event-ID resumes on another node", sseIdsAcrossNodes);
await step("g. kill -9 node-2 under load: failover, no acknowledged write lost", killUnderLoad);
if (W.victimKilled)
  await step("g. node-2 restarts with the same id, rejoins, serves a write and a read", restartAndRejoin);
finish("cluster scenario passed");
