// A node cut off from PostgreSQL (issue 11), with three messengerd nodes on one database.
// There is no iptables/nft here, so the partition is a TCP proxy in this script: node-2 is
// restarted so that it reaches PostgreSQL only through the proxy; its peers still reach it over
// the middleman, and the others reach PostgreSQL directly.
//  - "cut" stops forwarding bytes in both directions and keeps every socket open (no FIN, no
//    RST), like a partition; new connections are accepted but never forwarded;
//  - "heal" forwards again. PARTITION_HEAL=resume (the default) delivers what was held back on
//    the old connections, as TCP retransmission does after a short partition, so writes node-2
//    sent during the cut reach PostgreSQL late and must fail the fence (messenger_fence);
//    PARTITION_HEAL=reset destroys the old connections instead.
// The scenario: node-2 owns some of 12+ conversations; the cut; every conversation takes a
// write through node-1 or node-3 within the lease and a margin; node-2 fences itself
// (cluster_self_fence in its stderr); writes sent to node-2 during the cut are not acknowledged
// unless executed by the current owner; the heal; node-2 rejoins with a higher incarnation and
// takes writes for every conversation; entity_owners rows are where placement puts them and
// none is held by node-2's old incarnation; every acknowledged write is stored exactly once and
// nothing unacknowledged is stored, except writes in flight when the cut happened (reported).
// Started by tests/cluster/run.sh (see there for the environment); the helpers are lib.mjs's.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import {
  nodes,
  env,
  delay,
  show,
  request,
  eventually,
  step,
  finish,
  W,
  bootstrap,
  createConversation,
  psql,
  clusterView,
  storedCounts,
  internalIds,
  startNode,
  awaitMembers,
  placementOwner,
  LEASE_MS,
  ok,
  attempt,
  ownerRow,
  statusSummary,
} from "./lib.mjs";

const HEARTBEAT_MS = 3000; // MESSENGER_CLUSTER_HEARTBEAT_S's default
const TAKEOVER_DEADLINE_MS = LEASE_MS + HEARTBEAT_MS + 17000; // 30 s after the cut
// node-2 fences itself after lease - heartbeat (7 s) without renewal, seen at a heartbeat.
const SELF_FENCE_DEADLINE_MS = LEASE_MS - HEARTBEAT_MS + HEARTBEAT_MS + 10000; // 20 s
const REJOIN_DEADLINE_MS = 45000;
const HEAL_MODE = env.PARTITION_HEAL ?? "resume";
assert.ok(["resume", "reset"].includes(HEAL_MODE), `PARTITION_HEAL=${HEAL_MODE}: resume or reset`);
const CUT_MODE = env.PARTITION_CUT ?? "mid-transaction";
assert.ok(["mid-transaction", "now"].includes(CUT_MODE), `PARTITION_CUT=${CUT_MODE}: mid-transaction or now`);
const PREFIX = "part ";

const since = (t0) => Date.now() - t0;

// ---- the proxy ------------------------------------------------------------------------------

/// A TCP proxy to host:port that can be cut and healed. Each connection is a pair {client,
/// upstream, held: [["up" | "down", chunk]...], ends: Set of the sides that ended during the
/// cut}. During the cut the proxy keeps reading both sides (so the senders see no error and no
/// back pressure, as in a partition) and holds what it read; `stats` counts it.
function startProxy(host, port) {
  const p = {
    cut: false,
    pairs: new Set(),
    stats: { connections: 0, heldUp: 0, heldDown: 0, heldChunksUp: 0, connectionsDuringCut: 0 },
  };
  const forward = (pair, from, to, chunk) => {
    if (!p.cut && p.armed && to && from === pair.client && chunk.includes(p.armed.pattern)) {
      // The cut right after this chunk reached PostgreSQL (see cutAfter).
      to.write(chunk);
      p.cut = true;
      p.armed.resolve(Date.now());
      p.armed = null;
      return;
    }
    if (p.cut || !to) {
      const dir = from === pair.client ? "up" : "down";
      pair.held.push([dir, chunk]);
      if (dir === "up") (p.stats.heldUp += chunk.length), (p.stats.heldChunksUp += 1);
      else p.stats.heldDown += chunk.length;
      return;
    }
    to.write(chunk);
  };
  const close = (pair) => {
    p.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const wire = (pair, a, b, side) => {
    a.on("data", (chunk) => forward(pair, a, pair[b], chunk));
    // A side that ends or fails during the cut is not passed on until the heal (a partition
    // carries no FIN nor RST either).
    a.on("end", () => (p.cut ? pair.ends.add(side) : pair[b]?.end()));
    a.on("error", () => {});
    a.on("close", () => (p.cut ? pair.ends.add(side) : close(pair)));
  };
  const connectUpstream = (pair) => {
    pair.upstream = net.connect({ host, port });
    pair.upstream.setNoDelay(true);
    wire(pair, pair.upstream, "client", "upstream");
  };
  p.server = net.createServer((client) => {
    p.stats.connections += 1;
    client.setNoDelay(true);
    const pair = { client, upstream: null, held: [], ends: new Set() };
    p.pairs.add(pair);
    wire(pair, client, "upstream", "client");
    if (p.cut) {
      p.stats.connectionsDuringCut += 1; // accepted, never forwarded while the cut lasts
    } else {
      connectUpstream(pair);
    }
  });
  p.listen = () =>
    new Promise((resolve, reject) => {
      p.server.once("error", reject);
      p.server.listen(0, "127.0.0.1", () => resolve((p.port = p.server.address().port)));
    });
  p.cutNow = () => {
    p.cut = true;
  };
  /// Cuts right after forwarding the first chunk from the node that contains `pattern` (e.g. a
  /// statement of a write transaction); resolves to the time of the cut.
  p.cutAfter = (pattern) => new Promise((resolve) => (p.armed = { pattern, resolve }));
  p.heal = (mode) => {
    p.cut = false;
    for (const pair of [...p.pairs]) {
      // reset: every connection that lived through the cut is destroyed; the node reconnects.
      if (mode === "reset" || (pair.ends.has("client") && !pair.upstream)) {
        close(pair);
        continue;
      }
      // resume: what was held back is delivered, then a side that ended during the cut ends
      // the other one.
      if (!pair.upstream) connectUpstream(pair);
      for (const [dir, chunk] of pair.held) (dir === "up" ? pair.upstream : pair.client).write(chunk);
      pair.held = [];
      if (pair.ends.has("client")) pair.upstream.end();
      if (pair.ends.has("upstream")) pair.client.end();
      if (pair.ends.size) setTimeout(() => close(pair), 5000).unref();
    }
  };
  p.stop = () => {
    p.server.close();
    for (const pair of [...p.pairs]) close(pair);
  };
  return p;
}

// ---- helpers --------------------------------------------------------------------------------




/// Lines of a node's stderr that mention the cluster (fence, peer, join), the last `n`.
function clusterLines(file, n = 20) {
  try {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    return lines.filter((l) => /cluster|fence|MF001|owner|epoch|database|pg|signal|leave/i.test(l)).slice(-n);
  } catch (err) {
    return [`(${err.message})`];
  }
}

const selfFenceLines = (file) => {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.includes("cluster_self_fence"));
  } catch {
    return [];
  }
};

/// The database's sessions other than this one: [pid, state, wait event, blocking pids, age of
/// the open transaction, the statement].
const sessions = () =>
  psql(`SELECT pid, state, coalesce(wait_event_type || ':' || wait_event, ''), pg_blocking_pids(pid)::text,
                coalesce(round(extract(epoch FROM now() - xact_start))::text || ' s', ''), regexp_replace(left(query, 90), '\\s+', ' ', 'g')
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
          ORDER BY pid`);

/// The stderr file of a node run.sh or this script started.
const logOf = (node) => node.stderr ?? `${env.LOG_DIR}/${node.id}.stderr`;

/// Waits (ms) for a process that is not this script's child to exit (kill -0 fails).
async function awaitExit(pid, ms) {
  await eventually(`pid ${pid} exits`, ms, () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return err.code === "ESRCH";
    }
  });
}

// ---- the scenario ---------------------------------------------------------------------------

let proxy;
let n2; // node-2 as restarted through the proxy

/// node-2 leaves (SIGTERM) and starts again with its database connections through the proxy.
async function restartThroughProxy() {
  const old = nodes[1];
  assert.equal(old.id, "node-2");
  const db = new URL(env.DATABASE_URL);
  proxy = startProxy(db.hostname, Number(db.port || 5432));
  const port = await proxy.listen();
  process.kill(old.pid, "SIGTERM");
  await awaitExit(old.pid, 25000);
  const [row] = psql(`SELECT status, incarnation FROM cluster_nodes WHERE node_id = 'node-2'`);
  assert.equal(row?.[0], "left", `node-2's cluster_nodes row after SIGTERM: ${show(row)}`);
  const proxied = new URL(env.DATABASE_URL);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);
  n2 = await startNode("node-2", "proxied", { MESSENGER_DATABASE_URL: proxied.toString() });
  nodes[1] = n2;
  await awaitMembers(nodes, 30000);
  console.log(`     node-2 (pid ${n2.pid}) reaches PostgreSQL through the proxy on 127.0.0.1:${port} ` +
    `(${proxy.stats.connections} connections); heal mode: ${HEAL_MODE}`);
}

async function partition() {
  const [n1, , n3] = nodes;
  const survivors = [n1, n3];
  const members = nodes.map((n) => n.id);
  const log = [];

  // ---- 1. conversations, each written once through its owner; node-2 holds some.
  const convs = [];
  for (let i = 0; i < 60 && !(convs.length >= 12 && convs.filter((c) => c.placed === n2.id).length >= 3); ++i) {
    const c = await createConversation(nodes[i % 3], W.manualInbox);
    const internal = internalIds([c.id]).get(c.id);
    convs.push({ display: c.id, internal, placed: placementOwner(members, `conversation:${internal}`) });
  }
  const mine = convs.filter((c) => c.placed === n2.id);
  assert.ok(mine.length >= 3, `only ${mine.length} of ${convs.length} conversations are placed on node-2`);
  for (const c of convs) {
    const owner = nodes.find((n) => n.id === c.placed);
    const a = await attempt(log, owner, c.display, `${PREFIX}${c.display} warm-up via ${owner.id}`);
    assert.ok(a.ok, `warm-up write to ${c.display} via ${a.node}: ${a.status} ${show(a.body)}`);
  }
  const before = new Map(convs.map((c) => [c.display, ownerRow(c.internal)]));
  console.log(`     conversations [display id, placement, entity_owners row]: ` +
    show(convs.map((c) => [c.display, c.placed, before.get(c.display)])));
  const incarnationBefore = (await clusterView(n1)).nodes.find((e) => e.id === n2.id)?.incarnation;
  for (const c of mine) {
    const row = before.get(c.display);
    assert.equal(row?.node, n2.id, `entity_owners of ${c.display} before the cut: ${show(row)}`);
    assert.equal(row.incarnation, incarnationBefore, `${c.display} is held by node-2's incarnation`);
  }

  // A writer through node-2 to its own conversations that runs up to the cut: its attempts in
  // flight at the cut are the ones whose answers may be lost (reported, not failed).
  let stopLead = false;
  const lead = (async () => {
    for (let k = 0; !stopLead; ++k) {
      const c = mine[k % mine.length];
      await attempt(log, n2, c.display, `${PREFIX}${c.display} lead #${k} via node-2`, 45000);
    }
  })();
  await eventually("the writer through node-2 had a write acknowledged", 10000, () =>
    log.some((a) => a.content.includes(" lead ") && a.ok));

  // ---- 2. the cut: PARTITION_CUT=mid-transaction (the default) cuts right after node-2 sent a
  // messenger_fence statement of one of the writer's transactions (PostgreSQL has run it and
  // holds its FOR SHARE lock on the owner row; the rest of the transaction is held back), the
  // worst moment for a takeover; PARTITION_CUT=now cuts wherever node-2 is.
  let tCut;
  if (CUT_MODE === "now") {
    tCut = Date.now();
    proxy.cutNow();
  } else {
    // The fence is a prepared statement: its Bind message carries the parameter
    // 'conversation' (int32 length 12, then the text), which no other statement of a message
    // write has but the acquire of an owner row.
    const bind = Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from("conversation")]);
    tCut = await Promise.race([proxy.cutAfter(bind), delay(10000).then(() => null)]);
    assert.ok(tCut, "node-2 sent no statement naming a conversation within 10 s while its writer ran");
  }
  stopLead = true;
  console.log(`     cut (${CUT_MODE}) at ${new Date(tCut).toISOString()}: ${proxy.pairs.size} connections of node-2 stalled`);
  const fenceBefore = selfFenceLines(n2.stderr).length;
  if (CUT_MODE !== "now") {
    // What PostgreSQL holds of node-2's cut transaction (printed, not asserted: the transaction
    // may have been sent whole).
    const open = await eventually("a session idle in transaction", 2000, () =>
      sessions().filter((r) => r[1].startsWith("idle in transaction")).map((r) => r.join(" | "))
        .join("; ")).catch((err) => err.message);
    console.log(`     sessions idle in transaction after the cut: ${open}`);
  }

  // Writes sent to node-2 right after the cut, one per conversation it owned: its lease has
  // not expired, so it still owns them; they must not be acknowledged unless executed by the
  // current owner.
  const cutWrites = mine.map((c) =>
    attempt(log, n2, c.display, `${PREFIX}${c.display} at the cut via node-2`, 45000));

  // ---- 3. every conversation takes a write through node-1 or node-3 (alternating).
  const takeover = new Map();
  await Promise.all(
    convs.map(async (c, i) => {
      for (let k = 0; since(tCut) < TAKEOVER_DEADLINE_MS; ++k) {
        const via = survivors[(i + k) % 2];
        const a = await attempt(log, via, c.display, `${PREFIX}${c.display} survivor #${k} via ${via.id}`);
        if (a.ok) return takeover.set(c.display, a.ended - tCut);
        await delay(200); // pacing of the retries, not a wait for a condition
      }
    }),
  );
  const during = log.filter((a) => a.started >= tCut && a.content.includes(" survivor "));
  console.log(`     survivors' writes after the cut: ${during.length}, refused/failed: ` +
    statusSummary(during.filter((a) => !a.ok)));
  console.log(`     first acknowledged survivor write per conversation (ms after the cut): ` +
    show(Object.fromEntries(convs.map((c) => [`${c.display}${c.placed === n2.id ? "*" : ""}`, takeover.get(c.display)]))) +
    ` (* = node-2's)`);
  // The checks of the takeover are recorded and the scenario goes on (heal, rejoin, what is
  // stored); the step fails at the end with all of them.
  const problems = [];
  const check = (fn) => {
    try {
      fn();
    } catch (err) {
      problems.push(err.message);
      console.error(`     problem: ${err.message}`);
    }
  };
  const missing = convs.filter((c) => !takeover.has(c.display));
  check(() => assert.deepEqual(missing.map((c) => c.display), [],
    `conversations not writable through node-1 or node-3 within ${TAKEOVER_DEADLINE_MS} ms of the cut; ` +
    `their last answers: ${show(missing.map((c) => log.filter((a) => a.conv === c.display).at(-1)))}; ` +
    `rows: ${show(missing.map((c) => ownerRow(c.internal)))}; node-2's log: ${show(clusterLines(n2.stderr))}; ` +
    `sessions of the database (pid, state, wait, blocked by, transaction age, query): ${show(sessions())}; ` +
    `node-1's and node-3's self-fences: ${show([n1, n3].map((n) => selfFenceLines(logOf(n))))}`));
  for (const c of mine) {
    const row = ownerRow(c.internal);
    check(() => assert.ok(row.epoch > before.get(c.display).epoch && [n1.id, n3.id].includes(row.node),
      `${c.display} (node-2's) after the takeover: ${show(row)}, before ${show(before.get(c.display))}`));
  }
  const view1 = (await clusterView(n1)).nodes.map((e) => [e.id, e.incarnation, e.live, e.connected]);
  console.log(`     node-1's view after the takeover: ${show(view1)}`);

  // node-2 fenced itself: lease - heartbeat (7 s) by its monotonic clock, seen at its next
  // heartbeat.
  await eventually(`cluster_self_fence in node-2's stderr (${n2.stderr})`, Math.max(0, SELF_FENCE_DEADLINE_MS - since(tCut)),
    () => selfFenceLines(n2.stderr).length > fenceBefore);
  console.log(`     node-2 fenced itself (seen ${since(tCut)} ms after the cut, or earlier): ` +
    show(selfFenceLines(n2.stderr).slice(fenceBefore)));

  // ---- 4. a write to node-2 for one of its former conversations, now that its view changed.
  const late = await attempt(log, n2, mine[0].display, `${PREFIX}${mine[0].display} after the takeover via node-2`, 45000);
  console.log(`     node-2 answered the write after the takeover: ${late.status} ${show(late.body)} ` +
    `in ${late.ended - late.started} ms (${late.started - tCut} ms after the cut)`);
  // Writes sent at the cut: settled (answered, or timed out) before the heal when node-2
  // answers by itself; those still waiting are awaited after the heal.
  const settled = [];
  for (const w of cutWrites) w.then((a) => settled.push(a));
  await Promise.race([Promise.all(cutWrites), delay(1000)]); // a look at them, not a condition
  for (const a of settled)
    console.log(`     node-2 answered the write sent at the cut to ${a.conv}: ${a.status} ${show(a.body)} ` +
      `after ${a.ended - a.started} ms`);

  // ---- 5. the heal
  const tHeal = Date.now();
  proxy.heal(HEAL_MODE);
  console.log(`     heal (${HEAL_MODE}) ${tHeal - tCut} ms after the cut; held back: ${show(proxy.stats)}`);
  await awaitMembers(nodes, REJOIN_DEADLINE_MS, (e, viewer) => {
    if (e.id === n2.id && !(e.incarnation > incarnationBefore))
      throw new Error(`${viewer.id} sees node-2 at incarnation ${e.incarnation} (${incarnationBefore} before)`);
  });
  const incarnationAfter = (await clusterView(n1)).nodes.find((e) => e.id === n2.id)?.incarnation;
  console.log(`     node-2 rejoined ${since(tHeal)} ms after the heal: incarnation ${incarnationBefore} -> ${incarnationAfter}`);
  for (const a of await Promise.all(cutWrites))
    if (!settled.includes(a))
      console.log(`     node-2 answered the write sent at the cut to ${a.conv} after the heal: ${a.status} ` +
        `${show(a.body)} after ${a.ended - a.started} ms`);
  await lead;

  const tRejoin = Date.now();
  for (const c of convs) {
    await eventually(`a write to ${c.display} through node-2 after it rejoined`, 20000, async () => {
      const r = await attempt(log, n2, c.display, `${PREFIX}${c.display} after the heal via node-2 #${log.length}`);
      return r.ok;
    });
  }
  const afterHeal = log.filter((a) => a.started >= tRejoin);
  console.log(`     every conversation took a write through node-2 within ${since(tRejoin)} ms ` +
    `(${afterHeal.length} attempts, refused: ${statusSummary(afterHeal.filter((a) => !a.ok))})`);
  const live = new Map((await clusterView(n1)).nodes.map((e) => [e.id, e.incarnation]));
  const rows = convs.map((c) => ({ id: c.display, placed: c.placed, row: ownerRow(c.internal) }));
  console.log(`     entity_owners after the heal: ${show(rows.map((r) => [r.id, r.placed, r.row]))}`);
  const wrong = rows.filter((r) => r.row && r.row.node !== "" &&
    (r.row.node !== r.placed || r.row.incarnation !== live.get(r.row.node)));
  assert.deepEqual(wrong, [], `rows held elsewhere than placement puts them, or by an old incarnation ` +
    `(live: ${show([...live])})`);
  // The rejoined node gives up whatever its old incarnation still held (inboxes and operators
  // nobody asked for since the cut, as well as conversations): nothing reads as held by it.
  const heldByOld = () => psql(`SELECT entity_type, entity_id, epoch FROM entity_owners
                         WHERE owner_node = 'node-2' AND owner_incarnation = ${Number(incarnationBefore)}`);
  await eventually(`no entity_owners row held by node-2's old incarnation ${incarnationBefore}`, 10000,
    () => heldByOld().length === 0);
  const [[oldLive]] = psql(`SELECT messenger_member_live('node-2', ${Number(incarnationBefore)})`);
  assert.equal(oldLive, "f", `node-2's old incarnation ${incarnationBefore} reads as live`);
  console.log(`     no entity_owners row left with node-2's old incarnation ${incarnationBefore} (not live)`);
  assert.equal(oldLive, "f", `node-2's old incarnation ${incarnationBefore} is still live after the rejoin`);

  // ---- 6. what is stored
  // In resume mode, what node-2 sent during the cut reached PostgreSQL after the heal; it was
  // fenced or committed by then (the heal came before the rejoin was seen).
  const stored = storedCounts(PREFIX);
  const acked = log.filter((a) => a.ok);
  const lost = acked.filter((a) => stored.get(a.content) !== 1);
  const doubled = [...stored].filter(([, n]) => n > 1);
  const unacked = log.filter((a) => !a.ok && stored.get(a.content));
  const inFlight = unacked.filter((a) => a.started < tCut);
  const stale = unacked.filter((a) => a.started >= tCut);
  const fromCut = log.filter((a) => a.started >= tCut && a.started < tHeal && a.node === n2.id);
  console.log(`     writes sent to node-2 during the cut: ` +
    show(fromCut.map((a) => ({ conv: a.conv, status: a.status, body: a.body, ms: a.ended - a.started, stored: stored.get(a.content) ?? 0 }))));
  console.log(`     ${acked.length} acknowledged of ${log.length}; lost or doubled: ${lost.length}; ` +
    `unacknowledged but stored: ${unacked.length} (in flight at the cut: ` +
    `${show(inFlight.map((a) => [a.content, a.status, a.body]))})`);
  assert.deepEqual(lost.map((a) => [a.content, a.status, stored.get(a.content) ?? 0]), [],
    "acknowledged writes not stored exactly once");
  assert.deepEqual(doubled, [], "messages stored more than once");
  assert.deepEqual(stale.map((a) => [a.content, a.node, a.status, a.body]), [],
    "writes sent after the cut, never acknowledged (or answered 503/504), yet stored");
  console.log(`     node-2's cluster log lines: ${show(clusterLines(n2.stderr))}`);
  if (problems.length) throw new Error(problems.join(" | "));
}

/// node-2 leaves while the proxy still forwards, so run.sh's cleanup finds it gone.
async function stopNode2() {
  if (!proxy) return;
  if (proxy.cut) proxy.heal("reset");
  if (n2) {
    try {
      process.kill(n2.pid, "SIGTERM");
      const code = await Promise.race([n2.exited, delay(25000).then(() => "still running after 25 s")]);
      console.log(`     node-2 after SIGTERM: exit ${show(code)}`);
    } catch {}
  }
  proxy.stop();
}

// ---- main ---------------------------------------------------------------------------------

const setUp = "node-2 restarted with PostgreSQL through a proxy; bootstrap through node-1";
if (!(await step(setUp, async () => (await restartThroughProxy(), await bootstrap())))) {
  await stopNode2();
  process.exit(1);
}
await step("node-2 cut off from PostgreSQL: survivors take over after its lease, it fences itself, " +
  "its writes are not acknowledged unless executed, it rejoins after the heal", partition);
await stopNode2();
finish("cluster partition scenario passed");
