// Prism's validating proxy in front of a messengerd, for the Node suites of tests/openapi and
// tests/sdk:
//   client -> Prism (swagger.json, --errors false) -> shim -> messengerd
// Prism forwards every call and adds an `sl-violations` response header listing what the
// request and the answer do not match in the document; it also logs each violation.
//
// The shim exists for one limitation of Prism 5: it parses every answer labelled
// application/json with JSON.parse and turns an empty body into a 500 of its own. Chatwoot's
// `head :ok` answers (Rails' `head` labels the empty body with the request's format) and ours
// are such answers, so the shim drops Content-Type from an answer whose body is empty. It
// changes nothing else.
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function startShim(upstream) {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host }, agent },
      (ures) => {
        const chunks = [];
        ures.on("data", (c) => chunks.push(c));
        ures.on("end", () => {
          const body = Buffer.concat(chunks);
          const headers = { ...ures.headers };
          delete headers["transfer-encoding"];
          if (body.length === 0) delete headers["content-type"];
          headers["content-length"] = String(body.length);
          res.writeHead(ures.statusCode, headers);
          res.end(body);
        });
      },
    );
    up.on("error", (err) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`shim: ${err.message}`);
    });
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ server, agent, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

async function freePort() {
  const s = net.createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address();
  s.close();
  await once(s, "close");
  return port;
}

/// Starts the shim and Prism in front of `upstream`; resolves to {url, log(), stop()} once Prism
/// listens. `log()` is Prism's output so far (its validator lines name every violation).
export async function startValidatingProxy(upstream) {
  const shim = await startShim(upstream);
  const prismBin = join(here, "node_modules", ".bin", "prism");
  const document = join(here, "swagger.json");
  for (let attempt = 1; ; ++attempt) {
    const port = await freePort();
    const child = spawn(prismBin, ["proxy", document, shim.url, "--errors", "false",
                                   "-h", "127.0.0.1", "-p", String(port)],
                        { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const listening = new Promise((resolve) => {
      const onData = (d) => {
        output += d.toString();
        if (output.includes("Prism is listening on")) resolve(true);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", () => resolve(false));
    });
    if (await listening) {
      return {
        url: `http://127.0.0.1:${port}`,
        log: () => output,
        stop: async () => {
          if (child.exitCode === null) {
            child.kill("SIGTERM");
            await once(child, "exit");
          }
          shim.agent.destroy();
          shim.server.closeAllConnections();
          shim.server.close();
        },
      };
    }
    if (attempt === 3) {
      shim.server.close();
      throw new Error(`prism did not start:\n${output.split("\n").slice(-20).join("\n")}`);
    }
  }
}
