// Ownership fencing of a cluster (issue 11), with three messengerd nodes on one database:
//  1. a node paused with SIGSTOP (it keeps its liveness lock, so only its lease expiring lets the
//     others in) loses its conversation to the survivors within the lease and a margin; the
//     write it got while paused is not acknowledged, or if it is, it was not executed under the
//     stale epoch; every acknowledged write is stored once; on SIGCONT the node rejoins with a
//     new incarnation and serves writes again;
//  2. a fourth node joining while 300 conversations take writes gets about a quarter of them,
//     no acknowledged write is lost or doubled, every conversation takes writes through every
//     node after the join, and its graceful leave (SIGTERM) exits 0 and releases its rows.
// Started by tests/cluster/run.sh (see there for the environment); the helpers are lib.mjs's.
// Both scenarios run even when the first failed; any failure makes the exit status 1.
import assert from "node:assert/strict";
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import {
  nodes,
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

const TAKEOVER_DEADLINE_MS = LEASE_MS + 15000;

/// Nodes paused by this script; continued on any exit so run.sh's cleanup can stop them.
const paused = new Set();
process.on("exit", () => {
  for (const pid of paused) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {}
  }
});




/// owner_node -> rows among the conversations of `internals` ('' = released).
function ownerCounts(internals) {
  const rows = psql(`SELECT owner_node, count(*) FROM entity_owners WHERE entity_type = 'conversation'
                      AND entity_id IN (${internals.map((i) => `'${Number(i)}'`).join(",")})
                      GROUP BY owner_node ORDER BY owner_node`);
  return Object.fromEntries(rows.map(([node, n]) => [node === "" ? "(released)" : node, Number(n)]));
}

/// Every acknowledged attempt of `log` is stored exactly once (psql, content prefix `prefix`),
/// and no content with that prefix is stored twice. Returns the stored counts.
function assertStoredOnce(log, prefix) {
  const stored = storedCounts(prefix);
  const lost = log.filter((a) => a.ok && stored.get(a.content) !== 1);
  const sample = lost.slice(0, 5).map((a) => `"${a.content}" (${a.status}) stored ${stored.get(a.content) ?? 0} times`);
  assert.equal(lost.length, 0, `acknowledged writes not stored exactly once: ${sample.join("; ")}`);
  assert.deepEqual([...stored].filter(([, n]) => n > 1), [], "messages stored more than once");
  return stored;
}


/// Lines of a node's stderr that mention the cluster (fence, peer, join), the last `n`.
function clusterLines(file, n = 15) {
  try {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    return lines.filter((l) => /cluster|fence|MF001|owner|epoch|drain|signal|stopped|leave/i.test(l)).slice(-n);
  } catch (err) {
    return [`(${err.message})`];
  }
}

// ---- 1. a paused node -----------------------------------------------------------------------

async function sigstopZombie() {
  const [n1, n2, n3] = nodes;
  const members = nodes.map((n) => n.id);
  const log = [];
  // Conversations spread over the nodes (created through all three, at least 6) until one is
  // placed on node-2 (rendezvous over the three, domain/placement.cpp).
  const convs = [];
  let target;
  for (let i = 0; i < 60 && !(convs.length >= 6 && target); ++i) {
    const c = await createConversation(nodes[i % 3], W.manualInbox);
    const internal = internalIds([c.id]).get(c.id);
    const placed = placementOwner(members, `conversation:${internal}`);
    convs.push({ display: c.id, internal, placed });
    if (!target && placed === n2.id) target = convs.at(-1);
  }
  assert.ok(target, `none of ${convs.length} conversations is placed on ${n2.id}`);
  // Each written once (through the three nodes), so their actors are live and rows held.
  for (const [i, c] of convs.entries()) {
    const a = await attempt(log, nodes[i % 3], c.display, `fence ${c.display} warm-up`);
    assert.ok(a.ok, `warm-up write to ${c.display} via ${a.node}: ${a.status} ${show(a.body)}`);
  }
  const placedRows = convs.map((c) => [c.display, c.placed, ownerRow(c.internal)?.node]);
  console.log(`     conversations [display id, placement, entity_owners.owner_node]: ${show(placedRows)}`);
  const t = target.display;
  const warm = await attempt(log, n2, t, `fence ${t} before the pause via ${n2.id}`);
  assert.ok(warm.ok, `write to ${t} via ${n2.id}: ${warm.status} ${show(warm.body)}`);
  const before = ownerRow(target.internal);
  const n2Before = (await clusterView(n1)).nodes.find((e) => e.id === n2.id);
  console.log(`     target ${t} (internal ${target.internal}): entity_owners ${show(before)}; ` +
    `${n2.id} incarnation ${n2Before?.incarnation} (${n1.id}'s view)`);
  assert.equal(before?.node, n2.id, `entity_owners of ${t} before the pause`);
  assert.equal(before.incarnation, n2Before?.incarnation, `the row is held by ${n2.id}'s incarnation`);

  const t0 = Date.now();
  process.kill(n2.pid, "SIGSTOP");
  paused.add(n2.pid);
  let zombie;
  let zombieAnswer;
  try {
    // The write sent to the paused node waits in its socket; it is awaited after SIGCONT.
    zombie = attempt(log, n2, t, `fence ${t} zombie via ${n2.id}`, 120000).then((a) => (zombieAnswer = a));
    // Through the survivors, one sequential writer each, until each had a write acknowledged
    // (or the deadline passed).
    const takeover = {};
    await Promise.all(
      [n1, n3].map(async (node) => {
        for (let k = 0; Date.now() - t0 < TAKEOVER_DEADLINE_MS; ++k) {
          const a = await attempt(log, node, t, `fence ${t} survivor #${k} via ${node.id}`);
          if (a.ok) return (takeover[node.id] = a.ended - t0);
          await delay(200); // pacing of the retries, not a wait for a condition
        }
      }),
    );
    const during = log.filter((a) => a.started >= t0 && !a.content.includes("zombie"));
    console.log(`     survivors' writes while ${n2.id} is paused: ${during.length} attempts, ` +
      `refused/failed: ${statusSummary(during.filter((a) => !a.ok))}`);
    console.log(`     first acknowledged write after the pause: ${show(takeover)} ms (lease ${LEASE_MS} ms)`);
    const missing = [n1, n3].filter((n) => takeover[n.id] === undefined).map((n) => n.id);
    assert.deepEqual(missing, [], `conversation ${t} not writable through these survivors within ` +
      `${TAKEOVER_DEADLINE_MS} ms of SIGSTOP; their last answers: ` +
      show(missing.map((id) => log.filter((a) => a.node === id).at(-1))));
    const taken = ownerRow(target.internal);
    console.log(`     entity_owners of ${t} after the takeover: ${show(taken)}`);
    assert.ok(taken.epoch > before.epoch, `epoch moved on: ${before.epoch} -> ${taken.epoch}`);
    assert.ok([n1.id, n3.id].includes(taken.node), `the row is held by a survivor: ${show(taken)}`);
    assert.equal(zombieAnswer, undefined, `the write to the paused ${n2.id} was answered while paused: ${show(zombieAnswer)}`);
  } finally {
    process.kill(n2.pid, "SIGCONT");
    paused.delete(n2.pid);
  }
  const tCont = Date.now();
  const z = await zombie;
  console.log(`     the write sent to the paused ${n2.id}: ${z.status} ${show(z.body)}, answered ` +
    `${z.ended - tCont} ms after SIGCONT`);
  let stored = storedCounts(`fence ${t} `);
  const after = ownerRow(target.internal);
  if (!z.ok) {
    assert.equal(stored.get(z.content) ?? 0, 0, `the refused zombie write "${z.content}" is stored`);
  } else {
    // Acknowledged: only acceptable if it went through the current owner, not the stale epoch.
    assert.ok(after.epoch > before.epoch, `zombie write acknowledged and epoch still ${after.epoch}`);
    assert.ok(!(after.node === n2.id && after.incarnation === before.incarnation),
      `zombie write acknowledged and the row is still held by ${n2.id}'s old incarnation: ${show(after)}`);
    assert.equal(stored.get(z.content), 1, `the acknowledged zombie write is stored once`);
  }
  console.log(`     ${n2.id}'s cluster log lines: ${show(clusterLines(`${process.env.LOG_DIR}/${n2.id}.stderr`))}`);

  // node-2 rejoins with a new incarnation and serves writes again.
  await awaitMembers(nodes, 30000, (e, viewer) => {
    if (e.id === n2.id && !(e.incarnation > before.incarnation))
      throw new Error(`${viewer.id} sees ${n2.id} at incarnation ${e.incarnation} (${before.incarnation} before)`);
  });
  const n2After = (await clusterView(n1)).nodes.find((e) => e.id === n2.id);
  console.log(`     ${n2.id} rejoined: incarnation ${before.incarnation} -> ${n2After.incarnation}`);
  for (const c of convs) {
    const a = await eventually(`a write to ${c.display} through ${n2.id} after it rejoined`, 15000, async () => {
      const r = await attempt(log, n2, c.display, `fence ${c.display} after the rejoin via ${n2.id} ${log.length}`);
      return r.ok ? r : null;
    });
    assert.ok(a.ok);
  }
  console.log(`     entity_owners of ${t} at the end: ${show(ownerRow(target.internal))}`);
  // Nothing from the zombie appeared later, and every acknowledged write is stored once.
  stored = assertStoredOnce(log, "fence ");
  if (!z.ok) assert.equal(stored.get(z.content) ?? 0, 0, `the refused zombie write "${z.content}" is stored (at the end)`);
  const unacked = log.filter((a) => !a.ok);
  const unackedStored = unacked.filter((a) => stored.get(a.content));
  console.log(`     ${log.filter((a) => a.ok).length} acknowledged writes stored once each; ` +
    `${unacked.length} unacknowledged, of which stored: ${show(unackedStored.map((a) => [a.content, a.status]))}`);
}

// ---- 2. a fourth node joins under load, then leaves ------------------------------------------

/// `workers` sequential writers over `ids` (round robin) until `stop`; conversation i takes its
/// r-th write through via[(i + r) % via.length] (`via` may change meanwhile). Every attempt is
/// recorded per conversation.
function startPoolWriter(ids, via, prefix, workers) {
  const w = { stop: false, via, attempts: new Map(ids.map((id) => [id, []])), all: [] };
  let next = 0;
  w.done = Promise.all(
    Array.from({ length: workers }, async () => {
      while (!w.stop) {
        const n = next++;
        const i = n % ids.length;
        const round = Math.floor(n / ids.length);
        const node = w.via[(i + round) % w.via.length];
        const a = await attempt(w.all, node, ids[i], `${prefix} ${ids[i]} #${round} via ${node.id}`);
        w.attempts.get(ids[i]).push(a);
        await delay(5); // a steady pace for the load, not a wait for a condition
      }
    }),
  );
  return w;
}

/// Waits (ms) until every conversation has an acknowledged write started at or after `since`
/// through each of `via`; the error names up to 5 that have not, their last answers and the
/// entity_owners rows of up to 10 (`internalOf`: display id -> conversations.id).
async function awaitWritableEverywhere(w, ids, via, since, ms, what, internalOf) {
  const pending = () =>
    ids.filter((id) => !via.every((n) => w.attempts.get(id).some((a) => a.ok && a.started >= since && a.node === n.id)));
  try {
    await eventually(what, ms, () => pending().length === 0);
  } catch (err) {
    const left = pending();
    const last = left.slice(0, 5).map((id) => `${id}: ${show(w.attempts.get(id).slice(-3).map((a) => [a.node, a.status, a.body]))}`);
    const members = via.map((n) => n.id);
    const rows = left.slice(0, 10).map((id) => {
      const internal = internalOf.get(id);
      return { id, internal, placed: placementOwner(members, `conversation:${internal}`), row: ownerRow(internal) };
    });
    const live = (await clusterView(via[0])).nodes.map((e) => [e.id, e.incarnation, e.live, e.connected]);
    throw new Error(`${err.message}; ${left.length} conversations pending, e.g. ${last.join("; ")}; ` +
      `entity_owners [display id, internal id, placement, row]: ${show(rows)}; ${via[0].id} sees ${show(live)}`);
  }
  return Date.now() - since;
}

async function joinUnderLoad() {
  const base = nodes.slice(0, 3);
  const displays = [];
  for (let i = 0; i < 300; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) => createConversation(base[(i + k) % 3], W.manualInbox));
    displays.push(...(await Promise.all(batch)).map((c) => c.id));
  }
  const internalOf = internalIds(displays);
  const internals = displays.map((d) => internalOf.get(d));
  assert.equal(internals.filter(Boolean).length, 300, "the internal ids of the 300 conversations");
  // Each check below runs even when an earlier one failed (a failed join still shows how the
  // leave behaves); the step fails with all of them.
  const problems = [];
  const check = async (fn) => {
    try {
      await fn();
    } catch (err) {
      problems.push(err.message);
    }
  };
  const w = startPoolWriter(displays, [...base], "load", 24);
  let node4;
  try {
    await eventually("an acknowledged write in each of the 300 conversations", 60000, () =>
      displays.every((id) => w.attempts.get(id).some((a) => a.ok)),
    );
    console.log(`     entity_owners of the 300 before the join: ${show(ownerCounts(internals))}`);

    // ---- the join
    const tStart = Date.now();
    // node-4 logs at info level, so its drain and leave show in its stderr.
    node4 = await startNode("node-4", "join", { MESSENGER_LOG_LEVEL: "info" });
    nodes.push(node4);
    await awaitMembers(nodes, 30000);
    const tJoin = Date.now();
    console.log(`     node-4 started and all 4 nodes see each other live and connected after ${tJoin - tStart} ms`);
    w.via.push(node4);
    let took = 60000;
    await check(async () => {
      took = await awaitWritableEverywhere(w, displays, nodes, tJoin, 60000,
        "every conversation takes a write through each of the 4 nodes after the join", internalOf);
      console.log(`     every conversation took a write through each of the 4 nodes ${took} ms after the join`);
    });
    const handoff = w.all.filter((a) => a.started >= tStart && a.started < tJoin + took);
    console.log(`     writes during the join and handoff: ${handoff.length}, refused/failed ` +
      `${handoff.filter((a) => !a.ok).length}: ${statusSummary(handoff.filter((a) => !a.ok))}`);
    await check(async () => {
      const owners = ownerCounts(internals);
      const members = nodes.map((n) => n.id);
      const expected = {};
      for (const i of internals) {
        const o = placementOwner(members, `conversation:${i}`);
        expected[o] = (expected[o] ?? 0) + 1;
      }
      const owned4 = (await clusterView(nodes[0])).nodes.find((e) => e.id === "node-4")?.owned;
      console.log(`     entity_owners of the 300 after the join: ${show(owners)}; placement over 4 nodes: ` +
        `${show(expected)}; node-4's owned (node-1's /ops/api/cluster, all conversations): ${show(owned4)}`);
      const misplaced = internals
        .map((i) => ({ i, placed: placementOwner(members, `conversation:${i}`), row: ownerRow(i) }))
        .filter((x) => x.row?.node !== x.placed);
      console.log(`     rows not held by their placement owner: ${misplaced.length}` +
        (misplaced.length ? `, e.g. ${show(misplaced.slice(0, 5))}` : ""));
      const share = (owners["node-4"] ?? 0) / 300;
      assert.ok(share >= 0.15 && share <= 0.35,
        `node-4 holds ${owners["node-4"] ?? 0} of the 300 rows (${(share * 100).toFixed(1)}%, expected 15-35%)`);
    });

    // ---- the graceful leave: node-4 takes no more writes from the writer, then SIGTERM.
    w.via.splice(w.via.indexOf(node4), 1);
    const tLeave = Date.now();
    console.log(`     SIGTERM to node-4 (pid ${node4.pid}) at ${new Date(tLeave).toISOString()}`);
    process.kill(node4.pid, "SIGTERM");
    const code = await Promise.race([node4.exited, delay(20000).then(() => "still running after 20 s")]);
    console.log(`     node-4 after SIGTERM: ${show(code)} (${Date.now() - tLeave} ms)`);
    if (code !== 0) {
      const stacks = `${process.env.LOG_DIR}/node-4.stacks.txt`;
      try {
        const bt = execFileSync("timeout", ["60", "gdb", "-p", String(node4.pid), "-batch", "-ex", "thread apply all bt 12"],
          { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        fs.writeFileSync(stacks, bt);
        console.log(`     node-4's threads (gdb) in ${stacks}`);
      } catch (err) {
        console.log(`     no thread stacks of node-4: ${err.message.split("\n")[0]}`);
      }
      problems.push(`node-4's exit after SIGTERM: ${show(code)}, expected 0 within 20 s; its stderr: ` +
        show(clusterLines(node4.stderr, 6)));
    }
    nodes.pop();
    const tExit = Date.now();
    await check(async () => {
      const held = psql(`SELECT entity_type, count(*) FROM entity_owners WHERE owner_node = 'node-4' GROUP BY entity_type`);
      assert.deepEqual(held, [], `entity_owners rows still held by node-4 after its leave`);
    });
    await check(() => awaitMembers(nodes, 15000));
    await check(async () => {
      const took2 = await awaitWritableEverywhere(w, displays, nodes, tExit, 60000,
        "every conversation takes a write through each of the 3 nodes after node-4 left", internalOf);
      const leaving = w.all.filter((a) => a.started >= tLeave && a.started < tExit + took2);
      console.log(`     after the leave every conversation took a write through each node in ${took2} ms; ` +
        `entity_owners of the 300: ${show(ownerCounts(internals))}; writes refused/failed during the leave: ` +
        `${leaving.filter((a) => !a.ok).length} of ${leaving.length}: ${statusSummary(leaving.filter((a) => !a.ok))}`);
    });
  } finally {
    w.stop = true;
    await w.done;
  }
  await check(() => assertStoredOnce(w.all, "load "));
  console.log(`     ${w.all.filter((a) => a.ok).length} acknowledged writes of ${w.all.length}; ` +
    `stored exactly once: ${problems.some((p) => p.includes("stored")) ? "NO" : "yes"}`);
  if (problems.length) throw new Error(problems.join(" | "));
}

// ---- main ---------------------------------------------------------------------------------

const setUp = "bootstrap through node-1: account, admin, 3 online agents, 2 inboxes, contacts";
if (!(await step(setUp, bootstrap))) process.exit(1);
await step("1. SIGSTOP node-2: survivors take its conversation after the lease, the zombie's write is fenced, node-2 rejoins", sigstopZombie);
await step("2. node-4 joins under load on 300 conversations, gets about a quarter, leaves with SIGTERM", joinUnderLoad);
finish("cluster fencing scenarios passed");
