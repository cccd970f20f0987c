import { describe, expect, it } from "vitest";
import { StreamAssembler } from "@/lib/usage/assemble";
import { contentDelta, deltaPrefixOf } from "@/lib/usage/content-delta";

const HEAD = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1764400000, model: "gpt-4o-mini-2024-07-18", service_tier: "default", system_fingerprint: "fp_1" };
type Choice = { index: number; delta: Record<string, unknown>; logprobs: unknown; finish_reason: string | null };
const choice = (delta: Record<string, unknown>, finish: string | null = null, index = 0): Choice => ({ index, delta, logprobs: null, finish_reason: finish });
/** A chunk's JSON as OpenAI writes it: head, choices, then usage: null and a random obfuscation string. */
const chunkJson = (choices: Choice[], extra: object = { usage: null, obfuscation: "aB3xY9" }, head: object = HEAD) => JSON.stringify({ ...head, choices, ...extra });
const sse = (jsons: string[]) => Buffer.from(jsons.map((json) => `data: ${json}\n\n`).join("") + "data: [DONE]\n\n");

function assemble(bytes: Buffer, readSize = bytes.length) {
  const assembler = new StreamAssembler(100_000);
  for (let at = 0; at < bytes.length; at += readSize) assembler.push(bytes.subarray(at, at + readSize));
  return assembler.result() as { id: string; system_fingerprint: string; choices: { index: number; message: { role: string; content: string | null; refusal?: string }; finish_reason: string | null }[]; usage: unknown };
}

describe("contentDelta", () => {
  const first = chunkJson([choice({ role: "assistant", content: "" })]);
  const head = deltaPrefixOf(first) as string;

  it("reads the text of a chunk that repeats the head and only adds content, escapes decoded", () => {
    expect(contentDelta(chunkJson([choice({ content: "Hello" })]), head)).toBe("Hello");
    expect(contentDelta(chunkJson([choice({ content: 'say "hi"\\n\n\u00e9\u4f60' })]), head)).toBe('say "hi"\\n\n\u00e9\u4f60');
    expect(contentDelta(chunkJson([choice({ content: "ends in a backslash\\" })]), head)).toBe("ends in a backslash\\");
    expect(contentDelta(chunkJson([choice({ content: "no extras" })], {}), head)).toBe("no extras");
    expect(contentDelta(chunkJson([choice({ content: "usage only" })], { usage: null }), head)).toBe("usage only");
  });

  it("leaves every other chunk to the full parse", () => {
    const others = [
      chunkJson([choice({ content: "x" })], { usage: null }, { ...HEAD, system_fingerprint: "fp_2" }),
      chunkJson([choice({ content: "x" }, "stop")]),
      chunkJson([{ ...choice({ content: "x" }), logprobs: { content: [] } }]),
      chunkJson([choice({ content: "x" }, null, 1)]),
      chunkJson([choice({ content: "x" }), choice({ content: "y" }, null, 1)]),
      chunkJson([choice({ content: "x", refusal: null })]),
      chunkJson([choice({ role: "assistant", content: "x" })]),
      chunkJson([choice({ content: "x" })], { usage: { prompt_tokens: 1, completion_tokens: 1 } }),
      chunkJson([choice({ content: "x" })], { obfuscation: 'a"b' }),
      chunkJson([choice({ content: "x" })], { usage: null, obfuscation: "a", extra: 1 }),
      chunkJson([]),
      `${chunkJson([choice({ content: "x" })], { usage: null })}x`,
      `${chunkJson([choice({ content: "x" })], {})} `,
    ];
    for (const other of others) expect(contentDelta(other, head)).toBeNull();
  });
});

describe("StreamAssembler with content read in place", () => {
  it("rebuilds the same answer as parsing every chunk, whatever the read boundaries", () => {
    const texts = ["Hel", 'lo "world"', "\\", "\n", "\u4f60\u597d", " \ud83d\ude00", "!"];
    const jsons = [
      chunkJson([choice({ role: "assistant", content: "", refusal: null })]),
      ...texts.map((content) => chunkJson([choice({ content })])),
      chunkJson([choice({}, "stop")]),
      chunkJson([], { usage: { prompt_tokens: 9, completion_tokens: 7 }, obfuscation: "q" }),
    ];
    for (const readSize of [1, 5, 64, 100_000]) {
      const answer = assemble(sse(jsons), readSize);
      expect(answer.choices).toEqual([{ index: 0, message: { role: "assistant", content: texts.join("") }, finish_reason: "stop" }]);
      expect(answer.usage).toEqual({ prompt_tokens: 9, completion_tokens: 7 });
      expect(answer.id).toBe("chatcmpl-1");
    }
  });

  it("takes a changed head and other choices from the chunks that carry them", () => {
    const jsons = [
      chunkJson([choice({ role: "assistant", content: "a" })]),
      chunkJson([choice({ content: "b" })]),
      chunkJson([choice({ content: "c" })], { usage: null }, { ...HEAD, system_fingerprint: "fp_2" }),
      chunkJson([choice({ content: "d" })], { usage: null }, { ...HEAD, system_fingerprint: "fp_2" }),
      chunkJson([choice({ content: "x" }, null, 1)]),
      chunkJson([choice({ refusal: "no" })]),
      chunkJson([choice({ content: "e" })], { usage: null }, { ...HEAD, system_fingerprint: "fp_2" }),
      // A head field sent as null later does not erase what earlier chunks said.
      chunkJson([choice({}, "stop")], { usage: null }, { ...HEAD, model: null, system_fingerprint: null }),
    ];
    const answer = assemble(sse(jsons));
    expect(answer).toMatchObject({ id: "chatcmpl-1", object: "chat.completion", created: HEAD.created, model: HEAD.model, service_tier: "default", system_fingerprint: "fp_2" });
    expect(answer.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "abcde", refusal: "no" }, finish_reason: "stop" },
      { index: 1, message: { role: "assistant", content: "x" }, finish_reason: null },
    ]);
  });

  it("stops the text at maxChars also for chunks read in place", () => {
    const assembler = new StreamAssembler(10);
    assembler.push(sse([chunkJson([choice({ role: "assistant", content: "" })]), ...Array.from({ length: 6 }, () => chunkJson([choice({ content: "0123" })]))]));
    const answer = assembler.result() as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]?.message.content).toBe("0123012301");
  });

  it("splits events on CRLF blank lines too", () => {
    const bytes = Buffer.from(sse([chunkJson([choice({ role: "assistant", content: "x" })]), chunkJson([choice({ content: "y" })])]).toString("utf8").replaceAll("\n\n", "\r\n\r\n"));
    for (const readSize of [1, 3, 1000]) expect(assemble(bytes, readSize).choices[0]?.message.content).toBe("xy");
  });
});
