// A node-1<->node-2 network partition (tests/cluster/netns.sh puts each node in its own network
// namespace; every node keeps reaching PostgreSQL through its unix socket). The cut is a blackhole
// route to the other node inside namespaces 1 and 2: packets are dropped silently (no RST).
// The scenario: 12+ conversations, a write to each through its owner; the cut; for 15 s, writes
// through node-3 to every conversation (each must succeed) and through node-1 to node-2's
// conversations (each must succeed or answer 503/504); no entity_owners row changes owner,
// incarnation or epoch (both nodes stay live, so nothing is taken over) and no node fences
// itself; the heal: node-1 and node-2 see each other connected again within 30 s and node-1's
// writes to node-2's conversations succeed; every acknowledged write is stored exactly once and
// nothing is stored twice.
// Started by tests/cluster/netns.sh (see there for the environment); helpers from lib.mjs.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
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
  awaitMembers,
  placementOwner,
  LEASE_MS,
  ok,
  attempt,
  ownerRow,
  statusSummary,
} from "./lib.mjs";

/// The client waits up to 30 s: a client timeout counts as a wrong outcome, not a hidden one.
const clientAttempt = (log, node, conv, content) => attempt(log, node, conv, content, 30000);

const PARTITION_MS = 15000; // writes during the cut (the middleman's connection timeout is 4 s)
const HEAL_DEADLINE_MS = 30000;
const PREFIX = "netns ";
const [n1, n2, n3] = nodes;
const netns = (env.NODE_NETNS ?? "").split(",").filter(Boolean);
assert.equal(netns.length, 3, "NODE_NETNS names three namespaces");
const since = (t0) => Date.now() - t0;


const stderrOf = (n) => path.join(env.LOG_DIR, `${n.id}.stderr`);
const selfFenceLines = (n) =>
  fs.readFileSync(stderrOf(n), "utf8").split("\n").filter((l) => l.includes("cluster_self_fence"));
const clusterLines = (n, k = 15) =>
  fs.readFileSync(stderrOf(n), "utf8").split("\n").filter((l) => /cluster|fence|peer|node-/i.test(l)).slice(-k);

/// Blackhole routes node-1 -> node-2 (in namespace 1) and node-2 -> node-1 (in namespace 2).
function routes(verb) {
  execFileSync("ip", ["netns", "exec", netns[0], "ip", "route", verb, "blackhole", "10.77.2.2/32"]);
  execFileSync("ip", ["netns", "exec", netns[1], "ip", "route", verb, "blackhole", "10.77.1.2/32"]);
}
let cut = false;

const sees = async (viewer, other) => (await clusterView(viewer)).nodes.find((e) => e.id === other.id);

async function scenario() {
  // ---- 1. the cluster formed
  await awaitMembers(nodes, 30000);
  await bootstrap();

  // ---- 2. conversations, one write each through its owner
  const members = nodes.map((n) => n.id);
  const convs = [];
  for (let i = 0; i < 60 && !(convs.length >= 12 && convs.filter((c) => c.placed === n2.id).length >= 3); ++i) {
    const c = await createConversation(n1, W.manualInbox);
    const internal = internalIds([c.id]).get(c.id);
    convs.push({ display: c.id, internal, placed: placementOwner(members, `conversation:${internal}`) });
  }
  const mine = convs.filter((c) => c.placed === n2.id);
  assert.ok(mine.length >= 3, `only ${mine.length} of ${convs.length} conversations are placed on node-2`);
  const log = [];
  for (const c of convs) {
    const owner = nodes.find((n) => n.id === c.placed);
    const a = await clientAttempt(log, owner, c.display, `${PREFIX}${c.display} first via ${owner.id}`);
    assert.ok(a.ok, `first write to ${c.display} through its owner ${owner.id}: ${a.status} ${show(a.body)}`);
  }
  const before = new Map(convs.map((c) => [c.display, ownerRow(c.internal)]));
  for (const c of convs)
    assert.equal(before.get(c.display)?.node, c.placed, `${c.display}'s row after its first write: ${show(before.get(c.display))}`);
  console.log(`     ${convs.length} conversations [display, placed, row]: ` +
    show(convs.map((c) => [c.display, c.placed, before.get(c.display)])));
  const fenceBefore = nodes.map((n) => selfFenceLines(n).length);
  assert.deepEqual(fenceBefore, [0, 0, 0], "cluster_self_fence lines before the cut");

  // ---- 3. the cut
  routes("add");
  cut = true;
  const tCut = Date.now();
  console.log(`     cut node-1<->node-2 at ${new Date(tCut).toISOString()}`);

  // ---- 4. writes for PARTITION_MS: node-3 to every conversation, node-1 to node-2's.
  const via3 = [];
  const via1 = [];
  await Promise.all([
    ...convs.map(async (c) => {
      for (let k = 0; since(tCut) < PARTITION_MS; ++k)
        await clientAttempt(via3, n3, c.display, `${PREFIX}${c.display} cut #${k} via node-3`);
    }),
    ...mine.map(async (c) => {
      for (let k = 0; since(tCut) < PARTITION_MS; ++k) {
        const a = await clientAttempt(via1, n1, c.display, `${PREFIX}${c.display} cut #${k} via node-1`);
        if (!a.ok) await delay(100); // pacing after a refusal, not a wait for a condition
      }
    }),
  ]);
  log.push(...via3, ...via1);
  const firstFail = via1.filter((a) => !a.ok).sort((x, y) => x.started - y.started)[0];
  console.log(`     node-3 during the cut: ${via3.length} writes, ${statusSummary(via3)}`);
  console.log(`     node-1 to node-2's conversations during the cut: ${via1.length} writes, ${statusSummary(via1)}; ` +
    (firstFail
      ? `first failure sent ${firstFail.started - tCut} ms after the cut, answered after ${firstFail.ended - firstFail.started} ms`
      : "no failure"));
  const slow = via1.reduce((m, a) => Math.max(m, a.ended - a.started), 0);
  console.log(`     node-1's slowest answer during the cut: ${slow} ms`);
  const problems = [];
  const check = (fn) => {
    try {
      fn();
    } catch (err) {
      problems.push(err.message);
      console.error(`     problem: ${err.message}`);
    }
  };
  check(() => assert.deepEqual(via3.filter((a) => !a.ok).map((a) => [a.conv, a.status, a.body, a.started - tCut]), [],
    "writes through node-3 during the cut that did not succeed [conv, status, body, ms after the cut]"));
  check(() => assert.deepEqual(
    via1.filter((a) => !a.ok && a.status !== 503 && a.status !== 504).map((a) => [a.conv, a.status, a.body, a.started - tCut]), [],
    "writes through node-1 during the cut answered neither 2xx nor 503/504 [conv, status, body, ms after the cut]"));

  // ---- 5. nothing was taken over, nobody fenced itself
  const views = {};
  for (const n of nodes)
    views[n.id] = (await clusterView(n)).nodes.map((e) => [e.id, e.incarnation, e.live, e.connected]);
  console.log(`     views at the end of the cut [id, incarnation, live, connected]: ${show(views)}`);
  const changed = convs
    .map((c) => ({ conv: c.display, before: before.get(c.display), after: ownerRow(c.internal) }))
    .filter((r) => show(r.before) !== show(r.after));
  check(() => assert.deepEqual(changed, [], "entity_owners rows changed during the cut"));
  check(() => assert.deepEqual(nodes.map((n) => selfFenceLines(n)), [[], [], []],
    "cluster_self_fence lines of node-1, node-2, node-3"));

  // ---- 6. the heal
  routes("del");
  cut = false;
  const tHeal = Date.now();
  await eventually("node-1 and node-2 see each other live and connected", HEAL_DEADLINE_MS, async () => {
    const a = await sees(n1, n2);
    const b = await sees(n2, n1);
    if (!(a?.live && a?.connected && b?.live && b?.connected))
      throw new Error(`node-1 sees node-2 ${show(a)}; node-2 sees node-1 ${show(b)}`);
    return true;
  });
  console.log(`     node-1 and node-2 connected again ${since(tHeal)} ms after the heal`);
  const afterHeal = [];
  for (const c of mine) {
    await eventually(`a write to ${c.display} (node-2's) through node-1 after the heal`,
      Math.max(1, HEAL_DEADLINE_MS - since(tHeal)), async () =>
        (await clientAttempt(afterHeal, n1, c.display, `${PREFIX}${c.display} healed #${afterHeal.length} via node-1`)).ok);
  }
  log.push(...afterHeal);
  console.log(`     node-1's writes to node-2's conversations succeeded ${since(tHeal)} ms after the heal ` +
    `(${afterHeal.length} attempts: ${statusSummary(afterHeal)})`);
  check(() => assert.deepEqual(nodes.map((n) => selfFenceLines(n)), [[], [], []],
    "cluster_self_fence lines of node-1, node-2, node-3 after the heal"));

  // ---- 7. what is stored
  const stored = storedCounts(PREFIX);
  const acked = log.filter((a) => a.ok);
  const lost = acked.filter((a) => stored.get(a.content) !== 1);
  const doubled = [...stored].filter(([, n]) => n > 1);
  const refusedStored = log.filter((a) => !a.ok && stored.get(a.content));
  console.log(`     ${log.length} writes, ${acked.length} acknowledged, ${stored.size} distinct contents stored; ` +
    `acknowledged but not stored once: ${lost.length}; stored twice or more: ${doubled.length}; ` +
    `refused (503/504) yet stored: ${show(refusedStored.map((a) => [a.content, a.status]))}`);
  check(() => assert.deepEqual(lost.map((a) => [a.content, a.status, stored.get(a.content) ?? 0]), [],
    "acknowledged writes not stored exactly once"));
  check(() => assert.deepEqual(doubled, [], "messages stored more than once"));
  if (problems.length) {
    for (const n of nodes) console.error(`     ${n.id}'s cluster log lines: ${show(clusterLines(n))}`);
    throw new Error(problems.join(" | "));
  }
}

const passed = await step("node-1<->node-2 partitioned in network namespaces: node-3 serves every conversation, " +
  "node-1 answers 2xx/503/504, no takeover, no self-fence, reconnect and exactly-once after the heal", scenario);
if (cut) {
  try {
    routes("del");
  } catch {}
}
if (!passed) for (const n of nodes) console.error(`     ${n.id}'s cluster log lines: ${show(clusterLines(n))}`);
finish("cluster netns partition scenario passed");
