import { describe, expect, it } from "vitest";
import { BodySample } from "@/lib/proxy/body-sample";
import { MAX_EVENT_BYTES, sseRelay, type StreamRelay } from "@/lib/proxy/sse";
import { TAIL_BYTES } from "@/lib/proxy/sse-tail";
import { StreamAssembler } from "@/lib/usage/assemble";
import { tokensFromJsonTail } from "@/lib/usage/tokens";

const chunk = (content: string, extra: object = {}) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 4, completion_tokens: 6 } })}\n\n`;

/** Feeds `text` to the relay in pieces of `size` bytes and returns everything it forwarded. */
function feed(relay: StreamRelay, text: string, size: number): string {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const forwarded = relay.push(bytes.subarray(at, at + size));
    if (forwarded) out.push(forwarded);
  }
  const rest = relay.flush();
  if (rest) out.push(rest);
  return Buffer.concat(out).toString("utf8");
}

const contentOf = (sse: string) =>
  sse
    .split("\n\n")
    .filter((event) => event.startsWith("data: {"))
    .map((event) => (JSON.parse(event.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "")
    .join("");

describe("sseRelay read boundaries", () => {
  const stream = [chunk("Hel", { usage: null }), chunk("lo", { usage: null }), usageChunk.replace("}}\n", "}}\n"), "data: [DONE]\n\n"].join("");

  it.each([1, 2, 3, 7, 64])("strips usage and forwards every event whole when reads are %i bytes", (size) => {
    const relay = sseRelay({ stripUsage: true });
    const out = feed(relay, stream, size);
    expect(contentOf(out)).toBe("Hello");
    expect(out).not.toContain("usage");
    expect(out.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(relay.summary()).toMatchObject({ promptTokens: 4, completionTokens: 6, complete: true });
  });

  it.each([1, 2, 3, 7, 64, 100_000])("passes every byte through unchanged and still counts usage when reads are %i bytes", (size) => {
    const relay = sseRelay({ stripUsage: false });
    expect(feed(relay, stream, size)).toBe(stream);
    expect(relay.summary()).toMatchObject({ promptTokens: 4, completionTokens: 6, complete: true });
  });

  it("strips only the event that carries usage: null, also when events without it come first in the read", () => {
    const mixed = chunk("A") + chunk("B", { usage: null }) + chunk("C") + usageChunk + "data: [DONE]\n\n";
    const relay = sseRelay({ stripUsage: true });
    const out = feed(relay, mixed, mixed.length);
    expect(out).toBe(chunk("A") + chunk("B") + chunk("C") + "data: [DONE]\n\n");
    expect(relay.summary()).toMatchObject({ promptTokens: 4, completionTokens: 6, complete: true });
  });

  it("finds the usage of a later event in a read whose earlier events have none", () => {
    const event = (type: string, extra: object = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...extra })}\n\n`;
    const responses = [
      event("response.created", { response: { id: "r1", usage: null } }),
      ...Array.from({ length: 20 }, (_, i) => event("response.output_text.delta", { delta: `word${i} ` })),
      event("response.completed", { response: { id: "r1", usage: { input_tokens: 7, output_tokens: 20 } } }),
    ].join("");
    for (const size of [responses.length, 500, 9]) {
      const relay = sseRelay({ stripUsage: false });
      expect(feed(relay, responses, size)).toBe(responses);
      expect(relay.summary()).toMatchObject({ promptTokens: 7, completionTokens: 20, complete: true });
    }
  });

  it("finds events separated by CRLF blank lines, also when the CRLF is split across reads", () => {
    const crlf = stream.replaceAll("\n\n", "\r\n\r\n");
    for (const size of [1, 3, 5]) {
      const relay = sseRelay({ stripUsage: true });
      expect(contentOf(feed(relay, crlf, size).replaceAll("\r\n\r\n", "\n\n"))).toBe("Hello");
      expect(relay.summary().promptTokens).toBe(4);
    }
  });

  it("passes a 300 KB event whole, split into many reads", () => {
    const big = "x".repeat(300 * 1024);
    const relay = sseRelay({ stripUsage: true });
    const out = feed(relay, chunk(big, { usage: null }) + usageChunk + "data: [DONE]\n\n", 1000);
    expect(contentOf(out)).toBe(big);
    expect(relay.summary().promptTokens).toBe(4);
  });

  it("forwards an event over the limit as it comes, without holding it, and still counts its usage", () => {
    const huge = "y".repeat(MAX_EVENT_BYTES + 10);
    const event = `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: huge } }], usage: { prompt_tokens: 1, completion_tokens: 2 } })}\n\n`;
    const relay = sseRelay({ stripUsage: true });
    const bytes = Buffer.from(event);
    let forwarded = 0;
    let heldBack = 0;
    for (let at = 0; at < bytes.length; at += 64 * 1024) {
      forwarded += relay.push(bytes.subarray(at, at + 64 * 1024))?.length ?? 0;
      heldBack = Math.max(heldBack, at + 64 * 1024 - forwarded);
    }
    expect(forwarded).toBe(bytes.length);
    expect(heldBack).toBeLessThanOrEqual(MAX_EVENT_BYTES + 64 * 1024);
    expect(relay.summary()).toMatchObject({ promptTokens: 1, completionTokens: 2 });
  });

  it("rebuilds at most maxChars of the answer for the log, from reads of any size", () => {
    const log = new StreamAssembler(100);
    const stream = Array.from({ length: 50 }, () => chunk("0123456789")).join("") + usageChunk + "data: [DONE]\n\n";
    const bytes = Buffer.from(stream);
    for (let at = 0; at < bytes.length; at += 7) log.push(bytes.subarray(at, at + 7));
    const answer = log.result() as { choices: { message: { content: string } }[]; usage: unknown };
    expect(answer.choices[0]?.message.content).toBe("0123456789".repeat(10));
    expect(answer.usage).toEqual({ prompt_tokens: 4, completion_tokens: 6 });
  });

  it("says whether an error event may follow without corrupting a half-sent event", () => {
    const passing = sseRelay({ stripUsage: false });
    passing.push(Buffer.from(chunk("a")));
    expect(passing.canAppendEvent()).toBe(true);
    passing.push(Buffer.from(chunk("b").slice(0, 10)));
    expect(passing.canAppendEvent()).toBe(false);

    const stripping = sseRelay({ stripUsage: true });
    stripping.push(Buffer.from(chunk("b").slice(0, 10)));
    expect(stripping.canAppendEvent()).toBe(true);
  });
});

describe("a stream passed untouched (the client asked for usage)", () => {
  const long = Array.from({ length: 1000 }, (_, i) => chunk(`word${i} `, { usage: null })).join("");

  it.each([1, 13, 4096, 1_000_000])("counts the usage at the end of a stream longer than the part it keeps, in reads of %i bytes", (size) => {
    const stream = long + usageChunk + "data: [DONE]\n\n";
    expect(Buffer.byteLength(stream)).toBeGreaterThan(4 * TAIL_BYTES);
    const relay = sseRelay({ stripUsage: false });
    expect(feed(relay, stream, size)).toBe(stream);
    expect(relay.summary()).toMatchObject({ promptTokens: 4, completionTokens: 6, complete: true });
  });

  it("is complete only when a terminal event came as a line of its own", () => {
    const quoting = chunk("the server sends\ndata: [DONE]\n\nat the end", { usage: null });
    const cut = sseRelay({ stripUsage: false });
    feed(cut, quoting, 7);
    expect(cut.summary().complete).toBe(false);
    for (const notTerminal of [": data: [DONE]\n\n", "data: [DONE]ish\n\n"]) {
      const relay = sseRelay({ stripUsage: false });
      feed(relay, quoting + notTerminal, 7);
      expect(relay.summary().complete, notTerminal).toBe(false);
    }
    const ended = sseRelay({ stripUsage: false });
    feed(ended, `${quoting}data: [DONE]\n\n`, 7);
    expect(ended.summary().complete).toBe(true);
    const responses = sseRelay({ stripUsage: false });
    feed(responses, `data: ${JSON.stringify({ type: "response.completed", response: { usage: { input_tokens: 2, output_tokens: 3 } } })}\n\n`, 5);
    expect(responses.summary()).toMatchObject({ promptTokens: 2, completionTokens: 3, complete: true });
  });

  it("says an event may follow only after a blank line, LF or CRLF, whatever the reads", () => {
    for (const [text, may] of [["data: {}\n\n", true], ["data: {}\r\n\r\n", true], ["data: {}\n", false], ["data: {}\r\n", false], ["data: {}\r\n\r", false], ["", true]] as const) {
      for (const size of [1, 2, 100]) {
        const relay = sseRelay({ stripUsage: false });
        feed(relay, text, size);
        expect(relay.canAppendEvent(), JSON.stringify([text, size])).toBe(may);
      }
    }
  });
});

describe("tokensFromJsonTail", () => {
  it("reads usage from the end of a JSON answer, skipping non-object usage keys", () => {
    const body = JSON.stringify({ id: "x", choices: [{ message: { content: 'say "usage": {"prompt_tokens": 99}' } }], usage: { prompt_tokens: 3, completion_tokens: 5, details: { cached: 1 } }, metadata: { usage: "none" } });
    expect(tokensFromJsonTail(body)).toMatchObject({ promptTokens: 3, completionTokens: 5 });
    expect(tokensFromJsonTail(body.slice(body.length - 120))).toMatchObject({ promptTokens: 3, completionTokens: 5 });
    expect(tokensFromJsonTail('{"data":[1,2,3]}')).toEqual({ promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null });
    // Cached prompt tokens and reasoning tokens, as chat completions and the Responses API report them.
    const detailed = '{"usage":{"prompt_tokens":100,"completion_tokens":50,"prompt_tokens_details":{"cached_tokens":40},"completion_tokens_details":{"reasoning_tokens":30}}}';
    expect(tokensFromJsonTail(detailed)).toEqual({ promptTokens: 100, completionTokens: 50, cachedTokens: 40, reasoningTokens: 30 });
    const responses = '{"usage":{"input_tokens":9,"output_tokens":8,"input_tokens_details":{"cached_tokens":2},"output_tokens_details":{"reasoning_tokens":5}}}';
    expect(tokensFromJsonTail(responses)).toEqual({ promptTokens: 9, completionTokens: 8, cachedTokens: 2, reasoningTokens: 5 });
  });
});

describe("usage read from a JSON text", () => {
  const finite = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);
  /** What JSON.parse makes of the usage object: the counts every way of reading it must give. */
  function parsedCounts(usage: string) {
    let u: Record<string, Record<string, unknown> | null | undefined>;
    try {
      u = JSON.parse(usage);
    } catch {
      return { promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null };
    }
    if (!u || typeof u !== "object") return { promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null };
    const counts = {
      promptTokens: finite(u.prompt_tokens) ?? finite(u.input_tokens),
      completionTokens: finite(u.completion_tokens) ?? finite(u.output_tokens),
      cachedTokens: finite(u.prompt_tokens_details?.cached_tokens) ?? finite(u.input_tokens_details?.cached_tokens),
      reasoningTokens: finite(u.completion_tokens_details?.reasoning_tokens) ?? finite(u.output_tokens_details?.reasoning_tokens),
    };
    // tokensFromJsonTail passes over a usage without the two main counts (and then finds none).
    return counts.promptTokens === null && counts.completionTokens === null ? { promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null } : counts;
  }

  it.each([
    '{"prompt_tokens":42,"completion_tokens":20,"total_tokens":62,"prompt_tokens_details":{"cached_tokens":8,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":3,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}',
    '{\n  "prompt_tokens" : 7 ,\n  "completion_tokens":\t9,\r\n  "prompt_tokens_details": { "cached_tokens": 2 } }',
    '{"input_tokens":9,"output_tokens":8,"input_tokens_details":{"cached_tokens":2},"output_tokens_details":{"reasoning_tokens":5},"total_tokens":17}',
    '{"prompt_tokens":null,"input_tokens":5,"completion_tokens":1.5,"output_tokens":2e2,"prompt_tokens_details":null}',
    '{"prompt_tokens":-3,"completion_tokens":0,"completion_tokens_details":{"reasoning_tokens":null},"output_tokens_details":{"reasoning_tokens":4}}',
    '{"prompt_tokens":5,"prompt_tokens":7,"completion_tokens":1,"completion_tokens":null,"output_tokens":6}',
    '{"prompt_tokens":1,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":1},"prompt_tokens_details":null}',
    '{"prompt_tokens":1,"completion_tokens":2,"flags":{"a":true,"b":false,"c":null},"extra":{}}',
    '{"prompt_tokens":3,"completion_tokens":5,"note":"a } b { \\"c\\" \\\\ }}","prompt_tokens_details":{"cached_tokens":1}}',
    '{"prompt_tokens":3,"completion_tokens":5,"list":[1,2,{"x":3}]}',
    '{"prompt_tokens":3,"completion_tokens":5,"deep":{"deeper":{"prompt_tokens":99}}}',
    '{"prompt\\u005ftokens":4,"completion_tokens":5}',
    '{"prompt_tokens":012,"completion_tokens":5}',
    '{"prompt_tokens":1e999,"completion_tokens":5}',
    '{"prompt_tokens":3,"completion_tokens":5,}',
    '{"prompt_tokens":3,"completion_tokens":5,"x":{',
    "{}",
    "null",
    `{"prompt_tokens":3,"completion_tokens":5,"deep":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`,
  ])("gives what JSON.parse gives for %.80s", (usage) => {
    expect(tokensFromJsonTail(`{"id":"x","usage":${usage}}`)).toEqual(parsedCounts(usage));
  });
});

describe("BodySample", () => {
  it("reads a usage object whose strings hold braces, quotes and backslashes", () => {
    const usage = { prompt_tokens: 3, completion_tokens: 5, note: 'a } b { "c" \\ }}', details: { cached_tokens: 1 } };
    for (const body of [JSON.stringify({ id: "x", usage }), `data: ${JSON.stringify({ choices: [], usage })}\n\ndata: [DONE]\n\n`]) {
      expect(tokensFromJsonTail(body)).toEqual({ promptTokens: 3, completionTokens: 5, cachedTokens: null, reasoningTokens: null });
    }
    expect(tokensFromJsonTail('{"usage":{"prompt_tokens":3,"note":"}"')).toEqual({ promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null });
  });

  it("keeps the start for the log and the end for usage, whatever the size", () => {
    const sample = new BodySample(10);
    for (let i = 0; i < 100; i += 1) sample.add(Buffer.from("a".repeat(1000)));
    sample.add(Buffer.from('"usage":{"prompt_tokens":1,"completion_tokens":2}}'));
    expect(sample.head()).toBe("aaaaaaaaaa… [truncated]");
    expect(sample.tail().length).toBeLessThanOrEqual(16 * 1024);
    expect(tokensFromJsonTail(sample.tail())).toMatchObject({ promptTokens: 1, completionTokens: 2 });
    expect(new BodySample(0).head()).toBeNull();
  });
});
