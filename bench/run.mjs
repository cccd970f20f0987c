// npm run bench: what KeyPool adds to a call. The same requests go straight to a fake upstream
// on loopback and through KeyPool (built server, 3 keys); the report gives the ratios.
// Bounded: a fixed number of requests per case and a time cap. Needs `npm run build` first.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TIME_CAP_MS = 60_000;
const ADMIN_KEY = "bench-admin-key-0123456789";

const completion = JSON.stringify({
  id: "chatcmpl-bench", object: "chat.completion", created: 1, model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "x".repeat(400) }, finish_reason: "stop" }],
  usage: { prompt_tokens: 20, completion_tokens: 100, total_tokens: 120 },
});

function startUpstream() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
      if (!body.stream) {
        res.writeHead(200, { "content-type": "application/json", "x-request-id": "req_bench" });
        res.end(completion);
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < 50; i += 1) {
        res.write(`data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]${body.stream_options?.include_usage ? ',"usage":null' : ""}}\n\n`);
      }
      if (body.stream_options?.include_usage) res.write('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":50}}\n\n');
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function startKeyPool(upstreamUrl) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keypool-bench-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: `file:${dataDir}/keypool.db`, OPENAI_BASE_URL: upstreamUrl, ADMIN_KEY, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const keys = ["A", "B", "C"].map((label) => `sk-bench-${label.repeat(24)}`);
  await fetch(`${url}/api/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ keys }) });
  return { url, stop: () => new Promise((resolve) => { child.once("exit", resolve); child.kill("SIGTERM"); }), dataDir };
}

async function run(baseUrl, body) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < REQUESTS && performance.now() - started < TIME_CAP_MS) {
      next += 1;
      const t0 = performance.now();
      const response = await fetch(`${baseUrl}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`status ${response.status}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { requests: latencies.length, perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

const upstream = await startUpstream();
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}/v1`;
const keypool = await startKeyPool(upstreamUrl);
const cases = {
  "chat (JSON)": JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  "chat (SSE, 50 chunks)": JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true }),
};
const results = [];
try {
  for (const [name, body] of Object.entries(cases)) {
    await run(`${keypool.url}/v1`, body); // warm-up: JIT and connection pools
    const direct = await run(upstreamUrl, body);
    const proxied = await run(`${keypool.url}/v1`, body);
    results.push({ case: name, direct, proxied, throughputRatio: proxied.perSecond / direct.perSecond, p50Ratio: proxied.p50 / direct.p50, addedP50Ms: proxied.p50 - direct.p50 });
  }
} finally {
  await keypool.stop();
  upstream.close();
  fs.rmSync(keypool.dataDir, { recursive: true, force: true });
}

const fmt = (n) => n.toFixed(2);
console.log(`KeyPool overhead — ${REQUESTS} requests per case, concurrency ${CONCURRENCY}, ${os.cpus().length} cores`);
console.log("case                   | direct req/s | KeyPool req/s | throughput ratio | direct p50 ms | KeyPool p50 ms | p50 ratio | KeyPool p99 ms");
for (const r of results) {
  console.log(`${r.case.padEnd(22)} | ${fmt(r.direct.perSecond).padStart(12)} | ${fmt(r.proxied.perSecond).padStart(13)} | ${fmt(r.throughputRatio).padStart(16)} | ${fmt(r.direct.p50).padStart(13)} | ${fmt(r.proxied.p50).padStart(14)} | ${fmt(r.p50Ratio).padStart(9)} | ${fmt(r.proxied.p99).padStart(14)}`);
}
fs.mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
fs.writeFileSync(path.join(ROOT, "bench/results", `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(results, null, 2));
