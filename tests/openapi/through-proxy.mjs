// Runs another Node suite (e.g. tests/sdk/scenario.mjs) with its MESSENGER_URL pointing at
// Prism's validating proxy in front of the node (proxy.mjs; WebSocket upgrades go past Prism),
// then fails when an answer had a response violation on neither list of this directory.
// Listed violations the suite does not meet are fine: the reference run is scenario.mjs.
//   MESSENGER_URL=http://127.0.0.1:NODE MESSENGER_PLATFORM_TOKEN=... node through-proxy.mjs SCRIPT
import { spawn } from "node:child_process";
import { once } from "node:events";
import { basename } from "node:path";
import { checkViolations, templateOf } from "./check.mjs";
import { startValidatingProxy } from "./proxy.mjs";

const script = process.argv[2];
const upstream = process.env.MESSENGER_URL;
if (!script || !upstream) {
  console.error("usage: MESSENGER_URL=… node through-proxy.mjs SCRIPT");
  process.exit(2);
}
const proxy = await startValidatingProxy(upstream, { front: true });
const child = spawn(process.execPath, [script], {
  stdio: "inherit",
  env: { ...process.env, MESSENGER_URL: proxy.url },
});
const [code, signal] = await once(child, "exit");
await proxy.stop();
if (code !== 0) {
  console.error(`${basename(script)} failed (${signal ?? code}) through the validating proxy`);
  process.exit(1);
}
const calls = proxy.calls.map((c) => ({ ...c, template: templateOf(c.method, c.path) }));
if (!checkViolations(calls, { label: basename(script), requireAllListed: false })) process.exit(1);
console.log(`${basename(script)}: no unlisted response violation`);
