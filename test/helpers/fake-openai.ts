import http from "node:http";
import type { AddressInfo } from "node:net";
import { createFakeObjects, handleObjects, type FakeObjects } from "./fake-objects";

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
  | "cut" // starts a stream, then breaks it off
  | "fragmented" // streams FRAGMENTED_CONTENT in tiny writes (one event is ~300 KB; the usage event arrives in two halves)
  | "idle" // answers a chat completion with a stream that sends IDLE_CHUNKS, then nothing, keeping the connection open
  | "echo400" // 400 invalid_request_error whose message quotes the full key
  | "echo401" // 401 invalid_api_key whose message quotes the full key
  | "long" // like "ok", but the reply's content is LONG_REPLY (streamed in 100-character chunks when asked)
  | "scope401" // 401 of a restricted key: "insufficient permissions … Missing scopes", no code
  | "region403" // 403 unsupported_country_region_territory (type request_forbidden), as OpenAI answers whole IP ranges
  | "html403" // 403 with an HTML page, as a gateway or firewall in between answers
  | "model403" // 403 model_not_found: the key's project may not use the model
  | "deactivated" // 401 account_deactivated
  | "refusechat" // 403 with a code KeyPool does not know on every path but GET /v1/models, which works
  | "flood"; // streams FLOOD_BYTES of 64 KiB events as fast as the connection takes them (counted in floodWritten), then [DONE]

export type Call = { key: string; method: string; path: string; body: unknown; headers: http.IncomingHttpHeaders };

export type FakeOpenAI = {
  url: string;
  calls: Call[];
  behaviors: Map<string, Behavior>;
  /** Models a key's project has (default: MODELS); a chat for another model gets OpenAI's 404 model_not_found. */
  modelsByKey: Map<string, string[]>;
  /** For keys without a behaviour of their own. */
  defaultBehavior: Behavior;
  /** Milliseconds between SSE chunks. */
  chunkDelayMs: number;
  retryAfterSeconds: string;
  /** Resolved when a streaming response was closed by the client side. */
  streamAborts: number;
  /** Responses not yet finished whose connection is still open (a proxy that let go of the upstream brings this to 0). */
  openResponses: number;
  /** Headers added to every response (default none). */
  extraHeaders: Record<string, string>;
  /** Milliseconds a stream waits before its response headers (default 0). */
  streamHeaderDelayMs: number;
  /** Milliseconds a stream keeps the response open after `data: [DONE]` (default 0: ends right away). */
  doneLingerMs: number;
  /** Files and stored responses, each visible only to the key that created it (see fake-objects.ts). */
  objects: FakeObjects;
  /** Bytes of the last "flood" stream its connection has taken so far. */
  floodWritten: number;
  close(): Promise<void>;
};

const MODELS = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "whisper-1"];
const REPLY_WORDS = ["Hello", " from", " the", " fake", " upstream", "!"];

/** ~300 KB in one delta, with multi-byte characters so that byte-sized writes split them. */
const FRAGMENTED_BIG_PIECE = " Größe 漢字 🙂 piece".repeat(12_000);
const FRAGMENTED_WORDS = ["Split", " into", " tiny", " writes", ":", FRAGMENTED_BIG_PIECE, " — the", " end", "."];
/** The whole content a "fragmented" stream sends. */
export const FRAGMENTED_CONTENT = FRAGMENTED_WORDS.join("");
/** The usage a "fragmented" stream reports (when asked through stream_options.include_usage). */
export const FRAGMENTED_USAGE = { prompt_tokens: 13, completion_tokens: 4242, total_tokens: 4255 };
/** The two content chunks an "idle" stream sends before it goes quiet. */
export const IDLE_CHUNKS = ["Hello", " then silence"];
/** The content of a "long" answer (about 6 KB). */
export const LONG_REPLY = Array.from({ length: 600 }, (_, index) => ` word${String(index).padStart(4, "0")}`).join("");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

function failFor(behavior: Behavior, key: string, res: http.ServerResponse, fake: FakeOpenAI, path = ""): boolean {
  switch (behavior) {
    case "scope401":
      sendJson(res, 401, openaiError("You have insufficient permissions for this operation. Missing scopes: model.request. Check that you have the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if you're using a restricted API key, that it has the necessary scopes.", "invalid_request_error", null));
      return true;
    case "region403":
      sendJson(res, 403, openaiError("Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory"));
      return true;
    case "html403":
      res.writeHead(403, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>gateway</center></body></html>");
      return true;
    case "model403":
      sendJson(res, 403, openaiError("Project `proj_fake` does not have access to model `gpt-4o`", "invalid_request_error", "model_not_found"));
      return true;
    case "deactivated":
      sendJson(res, 401, openaiError("This key is associated with a deactivated account. If you feel this is an error, contact us through our help center.", "invalid_request_error", "account_deactivated"));
      return true;
    case "refusechat":
      if (path === "/v1/models") return false;
      sendJson(res, 403, openaiError("This operation is not allowed here.", "invalid_request_error", "operation_not_allowed"));
      return true;
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
    case "echo400":
      sendJson(res, 400, openaiError(`Bad thing with key ${key}: the model does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found"));
      return true;
    case "echo401":
      sendJson(res, 401, openaiError(`Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key"));
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

function chatCompletion(body: Record<string, unknown>, key: string, content = `${REPLY_WORDS.join("")} (key …${key.slice(-4)})`) {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0 } },
    system_fingerprint: "fp_fake",
    // A field no SDK knows: it must reach the client unchanged.
    upstream_extra: { echoed: body.client_extra ?? null },
  };
}

function countStreamAborts(res: http.ServerResponse, fake: FakeOpenAI): () => boolean {
  let closed = false;
  res.on("close", () => {
    if (!res.writableFinished) {
      closed = true;
      fake.streamAborts += 1;
    }
  });
  return () => closed;
}

const wantsUsage = (body: Record<string, unknown>) => (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;

async function streamChat(
  res: http.ServerResponse,
  body: Record<string, unknown>,
  key: string,
  fake: FakeOpenAI,
  cut: boolean,
  replyWords: string[] = [...REPLY_WORDS, ` (key …${key.slice(-4)})`],
): Promise<void> {
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (fake.streamHeaderDelayMs > 0) await sleep(fake.streamHeaderDelayMs);
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_stream", "openai-processing-ms": "5", "x-ratelimit-remaining-requests": "99" });
  let closed = false;
  res.on("close", () => {
    if (!res.writableFinished) {
      closed = true;
      fake.streamAborts += 1;
    }
  });
  const base = { id: "chatcmpl-stream", object: "chat.completion.chunk", created: 1_700_000_000, model: body.model, system_fingerprint: "fp_fake", ...(includeUsage ? { usage: null } : {}) };
  const words = replyWords;
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
  if (fake.doneLingerMs > 0) await sleep(fake.doneLingerMs);
  res.end();
}

/** Byte-sized writes with a pause between, so that a reader gets the event in many separate reads. */
async function writeInPieces(res: http.ServerResponse, event: Buffer, isClosed: () => boolean): Promise<void> {
  const TINY = [5, 7, 10, 6, 9, 8];
  const EDGE = 120; // bytes at each end of a big event that still go out in tiny pieces
  const BIG = 16_381; // an odd size, so big pieces end inside multi-byte characters too
  let offset = 0;
  for (let index = 0; offset < event.length; index += 1) {
    if (isClosed()) return;
    const big = event.length > 2 * EDGE + BIG && offset >= EDGE && offset < event.length - EDGE;
    const size = big ? Math.min(BIG, event.length - EDGE - offset) : (TINY[index % TINY.length] as number);
    res.write(event.subarray(offset, offset + size));
    offset += size;
    await sleep(1);
  }
}

async function streamFragmented(res: http.ServerResponse, body: Record<string, unknown>, fake: FakeOpenAI): Promise<void> {
  const includeUsage = wantsUsage(body);
  res.socket?.setNoDelay(true);
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_fragmented" });
  const isClosed = countStreamAborts(res, fake);
  const base = { id: "chatcmpl-fragmented", object: "chat.completion.chunk", created: 1_700_000_000, model: body.model, system_fingerprint: "fp_fake", ...(includeUsage ? { usage: null } : {}) };
  const events = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] },
    ...FRAGMENTED_WORDS.map((word) => ({ ...base, choices: [{ index: 0, delta: { content: word }, logprobs: null, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] },
  ];
  for (const event of events) await writeInPieces(res, Buffer.from(`data: ${JSON.stringify(event)}\n\n`), isClosed);
  if (isClosed()) return;
  if (includeUsage) {
    const usage = Buffer.from(`data: ${JSON.stringify({ ...base, choices: [], usage: FRAGMENTED_USAGE })}\n\n`);
    const half = Math.floor(usage.length / 2);
    res.write(usage.subarray(0, half));
    await sleep(50);
    if (isClosed()) return;
    res.write(usage.subarray(half));
  }
  await writeInPieces(res, Buffer.from("data: [DONE]\n\n"), isClosed);
  if (!isClosed()) res.end();
}

/** Two content chunks, then silence with the connection kept open until the other side closes it. */
function streamIdle(res: http.ServerResponse, body: Record<string, unknown>, fake: FakeOpenAI): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_idle" });
  countStreamAborts(res, fake);
  const base = { id: "chatcmpl-idle", object: "chat.completion.chunk", created: 1_700_000_000, model: body.model, ...(wantsUsage(body) ? { usage: null } : {}) };
  for (const content of IDLE_CHUNKS) res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] })}\n\n`);
}

/** What a "flood" stream sends before its [DONE]: far more than the loopback's socket buffers hold. */
export const FLOOD_BYTES = 256 * 1024 * 1024;

/** Events as fast as the connection takes them: only the proxy's backpressure can hold this back. */
function streamFlood(res: http.ServerResponse, fake: FakeOpenAI): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_flood" });
  const event = Buffer.from(`data: ${"x".repeat(64 * 1024 - 8)}\n\n`);
  fake.floodWritten = 0;
  const pump = () => {
    while (fake.floodWritten < FLOOD_BYTES && !res.destroyed) {
      fake.floodWritten += event.length;
      if (!res.write(event)) {
        res.once("drain", pump);
        return;
      }
    }
    res.end("data: [DONE]\n\n");
  };
  pump();
}

/** A fake OpenAI on loopback that speaks the real wire format: JSON errors, SSE chunks, [DONE]. */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const fake: FakeOpenAI = {
    url: "",
    calls: [],
    behaviors: new Map(),
    modelsByKey: new Map(),
    defaultBehavior: "ok",
    chunkDelayMs: 5,
    retryAfterSeconds: "30",
    streamAborts: 0,
    openResponses: 0,
    extraHeaders: {},
    streamHeaderDelayMs: 0,
    doneLingerMs: 0,
    objects: createFakeObjects(),
    floodWritten: 0,
    close: async () => undefined,
  };
  const server = http.createServer(async (req, res) => {
    fake.openResponses += 1;
    let counted = true;
    const settle = () => {
      if (counted) fake.openResponses -= 1;
      counted = false;
    };
    res.once("finish", settle);
    res.once("close", settle);
    for (const [name, value] of Object.entries(fake.extraHeaders)) res.setHeader(name, value);
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
    if (behavior !== "cut" && failFor(behavior, key, res, fake, path)) return;
    if (handleObjects(fake.objects, { key, method: req.method ?? "", path, body, raw }, res)) return;
    if (path === "/v1/models" && req.method === "GET") {
      const models = fake.modelsByKey.get(key) ?? MODELS;
      sendJson(res, 200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "openai" })) }, { "openai-processing-ms": "3" });
      return;
    }
    const models = fake.modelsByKey.get(key);
    if (models && typeof body.model === "string" && !models.includes(body.model)) {
      const message = `The model \`${body.model}\` does not exist or you do not have access to it.`;
      sendJson(res, 404, { error: { message, type: "invalid_request_error", param: null, code: "model_not_found" } });
      return;
    }
    if (path === "/v1/chat/completions" && req.method === "POST") {
      if (behavior === "idle") return streamIdle(res, body, fake);
      if (behavior === "flood" && body.stream === true) return streamFlood(res, fake);
      if (behavior === "fragmented" && body.stream === true) return streamFragmented(res, body, fake);
      if (behavior === "long" && body.stream === true) return streamChat(res, body, key, fake, false, LONG_REPLY.match(/[\s\S]{1,100}/g) ?? []);
      if (body.stream === true) return streamChat(res, body, key, fake, behavior === "cut");
      const reply = behavior === "long" ? LONG_REPLY : behavior === "fragmented" ? FRAGMENTED_CONTENT : undefined;
      sendJson(res, 200, chatCompletion(body, key, reply), { "openai-processing-ms": "42", "x-ratelimit-remaining-requests": "4999", "x-ratelimit-limit-requests": "5000" });
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
