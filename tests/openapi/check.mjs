// Collected proxy violations against the two lists of this directory (see scenario.mjs).
// A call is {method, template, status, violations}; `template` is the path as the document
// spells it (templateOf finds it for a concrete path).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const swagger = JSON.parse(readFileSync(join(here, "swagger.json"), "utf8"));
const documented = new Set();
const templates = []; // {method, template, regex, literals}
for (const [path, item] of Object.entries(swagger.paths)) {
  for (const method of Object.keys(item)) {
    const m = method.toUpperCase();
    documented.add(`${m} ${path}`);
    const regex = new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`);
    templates.push({ method: m, template: path, regex, literals: path.split("/").filter((s) => !s.startsWith("{")).length });
  }
}

/// The document's path template of a concrete path (the one with the most literal segments
/// when several match: /contacts/search before /contacts/{id}); the path itself if none.
export function templateOf(method, path) {
  let best = null;
  for (const t of templates) {
    if (t.method === method && t.regex.test(path) && (best === null || t.literals > best.literals)) best = t;
  }
  return best ? best.template : path;
}

/// "METHOD template status where message": location ["response", "body", "payload", "0", "meta"]
/// becomes body:/payload/*/meta; "Response body property payload.0.meta must be object" becomes
/// "must be object".
export function keyOf(call, v) {
  const where = v.location.slice(1);
  const part = where.shift() ?? "";
  const pointer = where.length > 0 ? "/" + where.map((s) => (/^\d+$/.test(s) ? "*" : s)).join("/") : "";
  const message = v.message.replace(/^Response body property \S+ /, "").replace(/^Response body /, "");
  return `${call.method} ${call.template} ${call.status} ${part}${part && pointer ? ":" : ""}${pointer} ${message}`
    .replace(/\s+/g, " ").trim();
}

function readList(name, needsSource) {
  const keys = new Map(); // key -> first note line
  const problems = [];
  let last = null;
  for (const [i, line] of readFileSync(join(here, name), "utf8").split("\n").entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    if (/^\s/.test(line)) {
      if (last === null) problems.push(`${name}:${i + 1}: a note before any entry`);
      else if (!keys.get(last)) keys.set(last, line.trim());
      continue;
    }
    last = line.trim();
    if (keys.has(last)) problems.push(`${name}:${i + 1}: listed twice: ${last}`);
    keys.set(last, "");
  }
  for (const [key, note] of keys) {
    if (!note) problems.push(`${name}: no note under ${key}`);
    else if (needsSource && !/^chatwoot: \S+\.(jbuilder|rb)\b/.test(note)) {
      problems.push(`${name}: the note under ${key} must start "chatwoot: <source file>"`);
    }
  }
  return { keys, problems };
}

/// Prints the summary and every failure; true when the calls pass. `requireAllListed`: a listed
/// violation that did not appear fails too (for the scenario that the lists are made from).
/// OPENAPI_REPORT=path writes the calls and the distinct keys as JSON.
export function checkViolations(calls, { label, requireAllListed }) {
  const seen = new Map(); // key -> count
  const routeErrors = new Set();
  const requestSide = new Set();
  for (const call of calls) {
    const inDocument = documented.has(`${call.method} ${call.template}`);
    for (const v of call.violations) {
      if (v.location[0] === "request") {
        if (v.message === "Selected route not found") {
          if (inDocument) routeErrors.add(`${call.method} ${call.template}`);
        } else {
          requestSide.add(`${call.method} ${call.template} ${v.location.join(".")} ${v.message}`);
        }
        continue;
      }
      const key = keyOf(call, v);
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  if (process.env.OPENAPI_REPORT) {
    writeFileSync(process.env.OPENAPI_REPORT, JSON.stringify({ calls, seen: [...seen.keys()].sort() }, null, 1));
  }

  const documentErrors = readList("known-document-errors.txt", true);
  const ourErrors = readList("known-our-errors.txt", false);
  const problems = [...documentErrors.problems, ...ourErrors.problems];
  for (const key of documentErrors.keys.keys()) {
    if (ourErrors.keys.has(key)) problems.push(`listed in both files: ${key}`);
  }
  const listed = (k) => documentErrors.keys.has(k) || ourErrors.keys.has(k);
  const unlisted = [...seen.keys()].filter((k) => !listed(k)).sort();
  const stale = requireAllListed
    ? [...documentErrors.keys.keys(), ...ourErrors.keys.keys()].filter((k) => !seen.has(k)).sort()
    : [];

  const total = [...seen.values()].reduce((a, b) => a + b, 0);
  const count = (list) => [...seen.keys()].filter((k) => list.keys.has(k)).length;
  console.log(`${label}: ${calls.length} calls through the validating proxy; ${total} response violations, ` +
              `${seen.size} distinct: ${seen.size - unlisted.length} listed (${count(documentErrors)} of the ` +
              `document, ${count(ourErrors)} ours), ${unlisted.length} not listed`);
  if (requestSide.size > 0) {
    console.log(`request-side notes from the proxy (not checked):\n  ${[...requestSide].sort().join("\n  ")}`);
  }
  const failures = [
    [routeErrors.size > 0, `the proxy did not find documented routes:\n  ${[...routeErrors].join("\n  ")}`],
    [problems.length > 0, `the lists:\n  ${problems.join("\n  ")}`],
    [unlisted.length > 0, "response violations on neither list (fix the answer, or list it with its " +
                          `evidence):\n  ${unlisted.join("\n  ")}`],
    [stale.length > 0, `listed violations that no longer appear (remove them from the list):\n  ${stale.join("\n  ")}`],
  ].filter(([bad]) => bad);
  for (const [, text] of failures) console.error(`FAIL ${text}`);
  return failures.length === 0;
}
