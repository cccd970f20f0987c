import { describe, expect, it } from "vitest";
import { classify, retryAfterMs } from "@/lib/proxy/classify";
import { prepareBody } from "@/lib/proxy/request-body";
import { sseRelay, type StreamRelay } from "@/lib/proxy/sse";
import { StreamAssembler } from "@/lib/usage/assemble";
import { isWellFormedKey, splitPasted } from "@/lib/keys/parse";

const encode = (text: string) => Buffer.from(text);
const decode = (bytes: Uint8Array | null) => (bytes ? new TextDecoder().decode(bytes) : "");
const none = null;

describe("classify", () => {
  const now = 1_000_000;
  const err = (code: string | null, message = "m", type = "invalid_request_error") => JSON.stringify({ error: { message, type, param: null, code } });

  it("maps upstream answers to what happens to the key", () => {
    expect(classify(200, none, "", now, 60_000)).toEqual({ kind: "deliver" });
    expect(classify(401, none, err("invalid_api_key", "Incorrect API key provided: sk-...abcd"), now, 60_000)).toEqual({ kind: "invalid" });
    expect(classify(401, none, err(null, "Incorrect API key provided: sk-...abcd"), now, 60_000)).toEqual({ kind: "invalid" });
    expect(classify(401, none, err("account_deactivated"), now, 60_000)).toEqual({ kind: "invalid" });
    expect(classify(429, none, err("insufficient_quota"), now, 60_000)).toEqual({ kind: "exhausted" });
    expect(classify(429, "7", err("rate_limit_exceeded"), now, 60_000)).toEqual({ kind: "cooling", untilMs: now + 7000 });
    expect(classify(429, none, err(null), now, 60_000)).toEqual({ kind: "cooling", untilMs: now + 60_000 });
    expect(classify(500, none, "", now, 60_000)).toEqual({ kind: "transient" });
    expect(classify(400, none, err("invalid_value"), now, 60_000)).toEqual({ kind: "deliver" });
    expect(classify(404, none, err(null, "Invalid URL"), now, 60_000)).toEqual({ kind: "deliver" });
  });

  it("leaves the key alone when the refusal belongs to the request or to something in between", () => {
    // Region, scope, model access: another key (another project) may be allowed.
    expect(classify(403, none, err("unsupported_country_region_territory", "Country, region, or territory not supported", "request_forbidden"), now, 60_000)).toEqual({ kind: "request", lacks: null });
    expect(classify(401, none, err(null, "You have insufficient permissions for this operation. Missing scopes: api.model.read."), now, 60_000)).toEqual({ kind: "request", lacks: "scope" });
    expect(classify(403, none, err("model_not_found", "Project does not have access to model gpt-5"), now, 60_000)).toEqual({ kind: "request", lacks: "model" });
    expect(classify(404, none, err("model_not_found", "The model `x` does not exist or you do not have access to it."), now, 60_000)).toEqual({ kind: "request", lacks: "model" });
    // An OpenAI refusal that names no cause is confirmed with the key before it is blamed.
    expect(classify(403, none, err("permission_denied", "You are not allowed to use this key."), now, 60_000)).toEqual({ kind: "confirm" });
    // Not an OpenAI error at all: a gateway's or firewall's page is upstream trouble.
    expect(classify(403, none, "<html><body>403 Forbidden</body></html>", now, 60_000)).toEqual({ kind: "transient" });
    expect(classify(401, none, "Unauthorized", now, 60_000)).toEqual({ kind: "transient" });
    expect(classify(429, none, "<html>Too Many Requests</html>", now, 60_000)).toEqual({ kind: "transient" });
  });

  it("reads Retry-After as seconds or as a date", () => {
    expect(retryAfterMs("2", 0)).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs("soon", 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });
});

describe("prepareBody", () => {
  it("asks for streaming usage on the client's behalf, and leaves other bodies byte for byte", () => {
    const streaming = prepareBody("chat/completions", "application/json", encode(JSON.stringify({ model: "m", stream: true, extra: 1 })));
    expect(JSON.parse(decode(streaming.upstream))).toEqual({ model: "m", stream: true, extra: 1, stream_options: { include_usage: true } });
    expect(streaming).toMatchObject({ model: "m", stream: true, stripUsage: true });

    const raw = encode('{ "model": "m",  "stream": true, "stream_options": {"include_usage": true} }');
    const asked = prepareBody("chat/completions", "application/json", raw);
    expect(asked.upstream).toBe(raw);
    expect(asked.stripUsage).toBe(false);

    const responses = prepareBody("responses", "application/json", encode('{"model":"m","stream":true}'));
    expect(responses.stripUsage).toBe(false);

    // The field is added without re-serialising: the client's own bytes (spacing, key order) stay.
    const spaced = prepareBody("chat/completions", "application/json", encode('{ "model": "m", "stream": true, "messages": [ ] }\n'));
    expect(spaced.upstream?.toString()).toBe('{ "model": "m", "stream": true, "messages": [ ] ,"stream_options":{"include_usage":true}}\n');
    const withOptions = prepareBody("chat/completions", "application/json", encode('{"model":"m","stream":true,"stream_options":{"x":1}}'));
    expect(JSON.parse(decode(withOptions.upstream))).toEqual({ model: "m", stream: true, stream_options: { x: 1, include_usage: true } });

    // JSON that is no object goes upstream untouched (and gets the upstream's own 400).
    for (const body of ["null", "[1]", "7"]) expect(prepareBody("chat/completions", "application/json", encode(body))).toMatchObject({ model: null, stripUsage: false });

    const audio = prepareBody("audio/transcriptions", "multipart/form-data; boundary=x", encode("--x--"));
    expect(audio.logText).toBe("<multipart/form-data, 5 bytes>");
  });
});

const chunk = (delta: object, extra: object = {}) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;

/** Feeds the same reads to the relay and to the log's assembler. */
function both(relay: StreamRelay, assembler: StreamAssembler, read: Buffer): Buffer | null {
  assembler.push(read);
  return relay.push(read);
}

describe("sseRelay and StreamAssembler", () => {
  it("forwards bytes untouched and reassembles the final message when not stripping", () => {
    const relay = sseRelay({ stripUsage: false });
    const log = new StreamAssembler(10_000);
    const first = encode(chunk({ role: "assistant", content: "Hel" }) + chunk({ content: "lo" }).slice(0, 10));
    expect(both(relay, log, first)).toBe(first);
    both(relay, log, encode(chunk({ content: "lo" }).slice(10)));
    both(relay, log, encode(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } })}\n\ndata: [DONE]\n\n`));
    expect(relay.summary()).toMatchObject({ promptTokens: 3, completionTokens: 2, complete: true });
    expect(log.result()).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant", content: "Hello" } }], usage: { prompt_tokens: 3 } });
  });

  it("drops the usage chunk and usage:null fields for a client that did not ask", () => {
    const relay = sseRelay({ stripUsage: true });
    const out = [
      relay.push(encode(chunk({ content: "Hi" }, { usage: null }))),
      relay.push(encode(`data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } })}\n\n`)),
      relay.push(encode("data: [DONE]\n\n")),
    ].map(decode);
    expect(out[0]).not.toContain("usage");
    expect(JSON.parse(out[0]?.slice(6) ?? "").choices[0].delta.content).toBe("Hi");
    expect(out[1]).toBe("");
    expect(out[2]).toBe("data: [DONE]\n\n");
    expect(relay.summary().promptTokens).toBe(1);
  });

  it("rebuilds tool calls spread over chunks", () => {
    const log = new StreamAssembler(10_000);
    log.push(encode(chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_", arguments: '{"a"' } }] })));
    log.push(encode(chunk({ tool_calls: [{ index: 0, function: { name: "weather", arguments: ":1}" } }] })));
    const assembled = log.result() as { choices: { message: { tool_calls: unknown[] } }[] };
    expect(assembled.choices[0]?.message.tool_calls).toEqual([{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"a":1}' } }]);
  });

  it("takes usage and the response from the Responses API's final event", () => {
    const relay = sseRelay({ stripUsage: false });
    const log = new StreamAssembler(10_000);
    both(relay, log, encode(`event: response.completed\ndata: ${JSON.stringify({ type: "response.completed", response: { id: "r1", usage: { input_tokens: 5, output_tokens: 9 } } })}\n\n`));
    expect(relay.summary()).toMatchObject({ promptTokens: 5, completionTokens: 9, complete: true });
    expect(log.result()).toMatchObject({ id: "r1" });
  });
});

describe("pasted keys", () => {
  it("splits lines, commas and spaces and checks the shape", () => {
    expect(splitPasted(' sk-aaaaaaaaaaaaaaaaaaaa1,\n"sk-bbbbbbbbbbbbbbbbbbbb2"\n\n sk-c ')).toEqual(["sk-aaaaaaaaaaaaaaaaaaaa1", "sk-bbbbbbbbbbbbbbbbbbbb2", "sk-c"]);
    expect(isWellFormedKey("sk-proj-abcdefghijklmnop_-12")).toBe(true);
    expect(isWellFormedKey("sk-c")).toBe(false);
    expect(isWellFormedKey("pk-abcdefghijklmnopqrstu")).toBe(false);
  });
});

describe("rate-limit headers", () => {
  it("reads OpenAI's reset durations and ignores what it cannot read", async () => {
    const { resetDurationMs, restUntil } = await import("@/lib/proxy/classify");
    expect(resetDurationMs("1s")).toBe(1000);
    expect(resetDurationMs("6m0s")).toBe(360_000);
    expect(resetDurationMs("20ms")).toBe(20);
    expect(resetDurationMs("1h2m3.5s")).toBe(3_723_500);
    expect(resetDurationMs("soon")).toBeNull();
    expect(resetDurationMs("5")).toBeNull();
    expect(resetDurationMs(null)).toBeNull();
    expect(restUntil([{ remaining: "0", reset: "2s" }, { remaining: "10", reset: "9s" }], 1000)).toBe(3000);
    expect(restUntil([{ remaining: "0", reset: "2s" }, { remaining: "0", reset: "1m" }], 0)).toBe(60_000);
    expect(restUntil([{ remaining: "0", reset: "whenever" }], 0)).toBeNull();
    expect(restUntil([{ remaining: "3", reset: "1s" }, { remaining: null, reset: null }], 0)).toBeNull();
  });
});
