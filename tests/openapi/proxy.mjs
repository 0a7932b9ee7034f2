// Prism's validating proxy in front of a messengerd, for the Node suites of tests/openapi and
// tests/sdk:
//   client -> [recorder] -> Prism (swagger.json, --errors false) -> shim -> messengerd
// Prism forwards every call and adds an `sl-violations` response header listing what the
// request and the answer do not match in the document; it also logs each violation.
//
// The shim behind Prism exists for one limitation of Prism 5: it parses every answer labelled
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

// An HTTP forwarder to `upstream`. `onAnswer(req, status, headers, body)` may change the headers
// of an answer before it is sent on; WebSocket upgrades go to `upgradeTo` (host:port) as they are.
function startShim(upstream, { onAnswer, upgradeTo } = {}) {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer(async (req, res) => {
    // Requests go on with a Content-Length, never chunked: Prism copies a client's
    // Transfer-Encoding header next to the Content-Length of the body it sends on.
    const parts = [];
    for await (const c of req) parts.push(c);
    const requestBody = Buffer.concat(parts);
    const requestHeaders = { ...req.headers, host: target.host };
    delete requestHeaders["transfer-encoding"];
    if (requestBody.length > 0 || req.headers["content-length"] !== undefined) {
      requestHeaders["content-length"] = String(requestBody.length);
    }
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: requestHeaders, agent },
      (ures) => {
        const chunks = [];
        ures.on("data", (c) => chunks.push(c));
        ures.on("end", () => {
          const body = Buffer.concat(chunks);
          const headers = { ...ures.headers };
          delete headers["transfer-encoding"];
          onAnswer?.(req, ures.statusCode, headers, body);
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
    up.end(requestBody);
  });
  if (upgradeTo) {
    server.on("upgrade", (req, socket, head) => {
      const to = new URL(upgradeTo);
      const up = net.connect(Number(to.port), to.hostname, () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        up.write(lines.join("\r\n") + "\r\n\r\n");
        if (head.length > 0) up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on("error", () => socket.destroy());
      socket.on("error", () => up.destroy());
    });
  }
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => {
        agent.destroy();
        server.closeAllConnections();
        server.close();
      },
    }));
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

/// Starts the shim and Prism in front of `upstream`; resolves to {url, calls, log(), stop()} once
/// Prism listens. With `front`, a recording forwarder stands in front of Prism: `url` is its
/// address, every answer's violations are appended to `calls` as {method, path, status,
/// violations}, and WebSocket upgrades go past Prism straight to `upstream` (Prism cannot proxy
/// them). Without it, `url` is Prism's and callers read `sl-violations` themselves.
/// `log()` is Prism's output so far.
export async function startValidatingProxy(upstream, { front = false } = {}) {
  const back = await startShim(upstream, {
    onAnswer: (_req, _status, headers, body) => {
      if (body.length === 0) delete headers["content-type"];
    },
  });
  const prismBin = join(here, "node_modules", ".bin", "prism");
  const document = join(here, "swagger.json");
  for (let attempt = 1; ; ++attempt) {
    const port = await freePort();
    const child = spawn(prismBin, ["proxy", document, back.url, "--errors", "false",
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
      const prismUrl = `http://127.0.0.1:${port}`;
      const calls = [];
      const recorder = front
        ? await startShim(prismUrl, {
          upgradeTo: upstream,
          onAnswer: (req, status, headers) => {
            const raw = headers["sl-violations"];
            // Prism cuts the header at its limit ("Too many violations! …"): one violation
            // saying so stands for them, and fails the check.
            const violations = !raw ? []
              : raw.startsWith("[") ? JSON.parse(raw)
                : [{ location: ["response"], severity: "Error", message: "Prism truncated the violations of this answer" }];
            calls.push({ method: req.method, path: new URL(req.url, prismUrl).pathname, status, violations });
            delete headers["sl-violations"]; // recorded here; clients keep Node's header limit
          },
        })
        : null;
      return {
        url: recorder ? recorder.url : prismUrl,
        calls,
        log: () => output,
        stop: async () => {
          recorder?.close();
          if (child.exitCode === null) {
            child.kill("SIGTERM");
            await once(child, "exit");
          }
          back.close();
        },
      };
    }
    if (attempt === 3) {
      back.close();
      throw new Error(`prism did not start:\n${output.split("\n").slice(-20).join("\n")}`);
    }
  }
}
