// Fake OpenAI upstream for the bench, in a process of its own so its work never shares an event
// loop with the proxy under test or the load generator.
//
//   POST /v1/chat/completions  answers after BENCH_UPSTREAM_MS (default 20 ms), like a model's
//                              time to first token:
//     - JSON: one chat.completion with usage;
//     - `stream: true`: SSE. The chunks are written back to back once the latency is over, each
//       with its own write, so a stream costs the same wall time as a JSON answer and the time to
//       first chunk is exactly the latency. With `stream_options.include_usage`, every chunk
//       carries `"usage":null` and a last chunk with `choices: []` and the usage comes before
//       `data: [DONE]`, as OpenAI does.
//     - body field `bench_stream: { interval_ms }` (memory case only): the same stream, started at
//       once and paced at one chunk every interval_ms, so many streams stay open at the same time.
//   GET /v1/models             a small model list.
//   GET /_bench/auth-log       the Authorization headers of the last chat requests, oldest first,
//                              so the bench can tell which pooled key each request used.
//
// Run by bench/run.mjs via fork (reports its port over IPC); alone: `PORT=8080 node bench/fake-upstream.mjs`.
import http from "node:http";
import { listenForBench } from "./common.mjs";

const LATENCY_MS = Number(process.env.BENCH_UPSTREAM_MS ?? 20);
const CHUNKS = Number(process.env.BENCH_STREAM_CHUNKS ?? 20);
const AUTH_LOG_SIZE = 32;
const MODEL = "gpt-4o-mini-2024-07-18";
const CREATED = Math.floor(Date.now() / 1000);
const USAGE = {
  prompt_tokens: 42,
  completion_tokens: CHUNKS,
  total_tokens: 42 + CHUNKS,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const COMMON = { id: "chatcmpl-bench0000000000000000000000", created: CREATED, model: MODEL, service_tier: "default", system_fingerprint: "fp_bench0000" };

// Rate-limit headers as OpenAI sends them: a proxy that reads them pays for it here too.
const HEADERS = {
  "x-ratelimit-limit-requests": "10000",
  "x-ratelimit-remaining-requests": "9999",
  "x-ratelimit-reset-requests": "6ms",
  "x-ratelimit-limit-tokens": "2000000",
  "x-ratelimit-remaining-tokens": "1999958",
  "x-ratelimit-reset-tokens": "1ms",
  "openai-processing-ms": String(LATENCY_MS),
  "x-request-id": "req_bench",
};

// The answers never change, so they are built once: the fake must stay far cheaper than any proxy.
const completionBody = Buffer.from(
  JSON.stringify({
    ...COMMON,
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: Array.from({ length: CHUNKS }, (_, i) => `token${i} `).join(""), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: USAGE,
  }),
);

function sseChunks(includeUsage) {
  const event = (choices, extra) => `data: ${JSON.stringify({ ...COMMON, object: "chat.completion.chunk", choices, ...extra })}\n\n`;
  const usageNull = includeUsage ? { usage: null } : {};
  const choice = (delta, finish = null) => [{ index: 0, delta, logprobs: null, finish_reason: finish }];
  const chunks = [event(choice({ role: "assistant", content: "", refusal: null }), usageNull)];
  for (let i = 1; i < CHUNKS - 1; i += 1) chunks.push(event(choice({ content: `token${i} ` }), usageNull));
  chunks.push(event(choice({}, "stop"), usageNull));
  if (includeUsage) chunks.push(event([], { usage: USAGE }));
  chunks.push("data: [DONE]\n\n");
  return chunks;
}
const STREAM = { withUsage: sseChunks(true), withoutUsage: sseChunks(false) };

const authLog = [];
function recordAuth(req) {
  authLog.push(req.headers.authorization ?? null);
  if (authLog.length > AUTH_LOG_SIZE) authLog.shift();
}

function readJson(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on("data", (part) => parts.push(part));
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString("utf8")));
      } catch {
        resolve(null);
      }
    });
  });
}

function sendJson(res, status, body) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...HEADERS, "content-type": "application/json", "content-length": bytes.length });
  res.end(bytes);
}

function stream(res, chunks, intervalMs) {
  res.writeHead(200, { ...HEADERS, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  if (!intervalMs) {
    for (const chunk of chunks) res.write(chunk);
    res.end();
    return;
  }
  let next = 0;
  const timer = setInterval(() => {
    res.write(chunks[next]);
    next += 1;
    if (next === chunks.length) {
      clearInterval(timer);
      res.end();
    }
  }, intervalMs);
  res.on("close", () => clearInterval(timer));
}

async function chatCompletions(req, res) {
  recordAuth(req);
  const body = await readJson(req);
  if (!body) return sendJson(res, 400, { error: { message: "bad JSON", type: "invalid_request_error", param: null, code: null } });
  const chunks = body.stream_options?.include_usage ? STREAM.withUsage : STREAM.withoutUsage;
  if (body.stream && body.bench_stream) return stream(res, chunks, body.bench_stream.interval_ms);
  setTimeout(() => {
    if (res.destroyed) return; // the client gave up during the latency
    if (body.stream) stream(res, chunks, 0);
    else sendJson(res, 200, completionBody);
  }, LATENCY_MS);
}

const server = http.createServer((req, res) => {
  const path = req.url.split("?")[0];
  if (req.method === "POST" && path === "/v1/chat/completions") return void chatCompletions(req, res);
  if (req.method === "GET" && path === "/v1/models") {
    return sendJson(res, 200, { object: "list", data: [{ id: "gpt-4o-mini", object: "model", created: CREATED, owned_by: "system" }] });
  }
  if (req.method === "GET" && path === "/_bench/auth-log") return sendJson(res, 200, { data: authLog });
  sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error", param: null, code: null } });
});
// Clients keep connections open between rounds; Node's 5 s default would close them mid-run.
server.keepAliveTimeout = 60_000;

listenForBench(server, (port) => `fake upstream on http://127.0.0.1:${port}/v1 (latency ${LATENCY_MS} ms, ${CHUNKS} chunks)`);
