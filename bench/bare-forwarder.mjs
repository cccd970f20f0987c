// The reference proxy for the bench: about the least a Node proxy can do. A plain node:http server
// forwards every request through one undici keep-alive Pool to UPSTREAM_URL's origin and pipes the
// answer back as it arrives; no auth, no logging, no body parsing. What it costs over the direct
// path is the floor for any Node proxy on this machine, so KeyPool's ratio is read beside it.
//
// Run by bench/run.mjs via fork (reports its port over IPC); alone:
// `UPSTREAM_URL=http://127.0.0.1:8080 PORT=8081 node bench/bare-forwarder.mjs`.
import http from "node:http";
import v8 from "node:v8";
import { Pool } from "undici";
import { listenForBench } from "./common.mjs";

// As KeyPool does (scripts/start.mjs): with allocation-site pretenuring this forwarder too fell,
// in some runs and not others, into young GCs that promoted 2 MB each (finished requests kept alive
// by old-born garbage); without it the floor is measured at its best every time.
v8.setFlagsFromString("--no-allocation-site-pretenuring");

const upstream = new Pool(new URL(process.env.UPSTREAM_URL).origin, { connections: 256, keepAliveTimeout: 60_000 });

// Hop-by-hop headers describe one connection, not the message: each hop sets its own.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection", "host"]);
function endToEnd(headers) {
  const kept = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

const server = http.createServer(async (req, res) => {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  try {
    const answer = await upstream.request({ method: req.method, path: req.url, headers: endToEnd(req.headers), body: hasBody ? req : null });
    res.writeHead(answer.statusCode, endToEnd(answer.headers));
    // pipe() rather than stream.pipeline: pipeline builds an AbortController per call and aborts it
    // at the end (a DOMException with a stack each time), several % of this server's CPU. pipe()
    // does not pass failures on, so: client gone, stop reading upstream; upstream broken, cut client.
    answer.body.pipe(res);
    res.once("close", () => answer.body.destroy());
    answer.body.once("error", () => res.destroy());
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `bare forwarder: ${error.message}`, type: "upstream_error" } }));
  }
});
server.keepAliveTimeout = 60_000;

listenForBench(server, (port) => `bare forwarder on http://127.0.0.1:${port} -> ${process.env.UPSTREAM_URL}`);
