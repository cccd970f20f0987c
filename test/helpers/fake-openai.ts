import http from "node:http";
import type { AddressInfo } from "node:net";

/** How the fake upstream answers a given API key. */
export type Behavior =
  | "ok"
  | "invalid" // 401 invalid_api_key
  | "forbidden" // 403
  | "quota" // 429 insufficient_quota
  | "ratelimit" // 429 rate_limit_exceeded with Retry-After
  | "error500"
  | "error503"
  | "badrequest" // 400, the client's fault
  | "hang" // never answers (for timeouts)
  | "drop" // closes the socket before any byte
  | "cut"; // starts a stream, then breaks it off

export type Call = { key: string; method: string; path: string; body: unknown; headers: http.IncomingHttpHeaders };

export type FakeOpenAI = {
  url: string;
  calls: Call[];
  behaviors: Map<string, Behavior>;
  /** For keys without a behaviour of their own. */
  defaultBehavior: Behavior;
  /** Milliseconds between SSE chunks. */
  chunkDelayMs: number;
  retryAfterSeconds: string;
  /** Resolved when a streaming response was closed by the client side. */
  streamAborts: number;
  close(): Promise<void>;
};

const MODELS = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "whisper-1"];
const REPLY_WORDS = ["Hello", " from", " the", " fake", " upstream", "!"];

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_${Math.random().toString(36).slice(2)}`, ...headers });
  res.end(JSON.stringify(body));
}

const openaiError = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function failFor(behavior: Behavior, key: string, res: http.ServerResponse, fake: FakeOpenAI): boolean {
  switch (behavior) {
    case "invalid":
      sendJson(res, 401, openaiError(`Incorrect API key provided: ${key.slice(0, 3)}****${key.slice(-4)}.`, "invalid_request_error", "invalid_api_key"));
      return true;
    case "forbidden":
      sendJson(res, 403, openaiError("You are not allowed to use this key.", "invalid_request_error", "permission_denied"));
      return true;
    case "quota":
      sendJson(res, 429, openaiError("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota"));
      return true;
    case "ratelimit":
      sendJson(res, 429, openaiError("Rate limit reached for requests", "requests", "rate_limit_exceeded"), { "retry-after": fake.retryAfterSeconds });
      return true;
    case "error500":
      sendJson(res, 500, openaiError("The server had an error while processing your request.", "server_error", null));
      return true;
    case "error503":
      sendJson(res, 503, openaiError("The engine is currently overloaded.", "server_error", null));
      return true;
    case "badrequest":
      sendJson(res, 400, openaiError("Invalid value for 'temperature'.", "invalid_request_error", "invalid_value"), { "x-upstream-marker": "bad-request" });
      return true;
    case "hang":
      return true;
    case "drop":
      res.socket?.destroy();
      return true;
    default:
      return false;
  }
}

function chatCompletion(body: Record<string, unknown>, key: string) {
  const content = `${REPLY_WORDS.join("")} (key …${key.slice(-4)})`;
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
    system_fingerprint: "fp_fake",
    // A field no SDK knows: it must reach the client unchanged.
    upstream_extra: { echoed: body.client_extra ?? null },
  };
}

async function streamChat(res: http.ServerResponse, body: Record<string, unknown>, key: string, fake: FakeOpenAI, cut: boolean): Promise<void> {
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_stream", "openai-processing-ms": "5", "x-ratelimit-remaining-requests": "99" });
  let closed = false;
  res.on("close", () => {
    if (!res.writableFinished) {
      closed = true;
      fake.streamAborts += 1;
    }
  });
  const base = { id: "chatcmpl-stream", object: "chat.completion.chunk", created: 1_700_000_000, model: body.model, system_fingerprint: "fp_fake", ...(includeUsage ? { usage: null } : {}) };
  const words = [...REPLY_WORDS, ` (key …${key.slice(-4)})`];
  const chunks = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] },
    ...words.map((word) => ({ ...base, choices: [{ index: 0, delta: { content: word }, logprobs: null, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] },
  ];
  for (const [index, chunk] of chunks.entries()) {
    if (closed) return;
    if (cut && index === 3) {
      res.socket?.destroy();
      return;
    }
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, fake.chunkDelayMs));
  }
  if (includeUsage) res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: words.length, total_tokens: 11 + words.length } })}\n\n`);
  res.write("data: [DONE]\n\n");
  res.end();
}

/** A fake OpenAI on loopback that speaks the real wire format: JSON errors, SSE chunks, [DONE]. */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const fake: FakeOpenAI = {
    url: "",
    calls: [],
    behaviors: new Map(),
    defaultBehavior: "ok",
    chunkDelayMs: 5,
    retryAfterSeconds: "30",
    streamAborts: 0,
    close: async () => undefined,
  };
  const server = http.createServer(async (req, res) => {
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const path = (req.url ?? "").split("?")[0] ?? "";
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      body = { raw };
    }
    fake.calls.push({ key, method: req.method ?? "", path, body, headers: req.headers });
    const behavior = fake.behaviors.get(key) ?? fake.defaultBehavior;
    if (behavior !== "cut" && failFor(behavior, key, res, fake)) return;
    if (path === "/v1/models" && req.method === "GET") {
      sendJson(res, 200, { object: "list", data: MODELS.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "openai" })) }, { "openai-processing-ms": "3" });
      return;
    }
    if (path === "/v1/chat/completions" && req.method === "POST") {
      if (body.stream === true) return streamChat(res, body, key, fake, behavior === "cut");
      sendJson(res, 200, chatCompletion(body, key), { "openai-processing-ms": "42", "x-ratelimit-remaining-requests": "4999", "x-ratelimit-limit-requests": "5000" });
      return;
    }
    if (path === "/v1/embeddings" && req.method === "POST") {
      const vector = [0.1, 0.2, 0.3];
      const embedding = body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
      sendJson(res, 200, { object: "list", data: [{ object: "embedding", index: 0, embedding }], model: body.model, usage: { prompt_tokens: 4, total_tokens: 4 } });
      return;
    }
    sendJson(res, 404, openaiError(`Invalid URL (${req.method} ${path})`, "invalid_request_error", null));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}/v1`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
