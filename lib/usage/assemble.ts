import { StringDecoder } from "node:string_decoder";
import { contentDelta, deltaPrefixOf } from "./content-delta";

type ChatChoiceDelta = {
  index?: number;
  delta?: { role?: string; content?: string | null; refusal?: string | null; tool_calls?: ToolCallDelta[] };
  finish_reason?: string | null;
};
type ToolCallDelta = { index?: number; id?: string; type?: string; function?: { name?: string; arguments?: string } };
type AssembledChoice = {
  index: number;
  message: { role: string; content: string | null; refusal?: string; tool_calls?: AssembledToolCall[] };
  finish_reason: string | null;
};
type AssembledToolCall = { id?: string; type: string; function: { name: string; arguments: string } };

/** What every chunk repeats about the answer; the last value given counts. */
type Head = { id?: unknown; created?: unknown; model?: unknown; system_fingerprint?: unknown; service_tier?: unknown };

const given = (value: unknown, before: unknown) => (value === undefined || value === null ? before : value);

/** Rebuilds the final message from chat-completion chunks; text stops growing at `maxChars`. */
class ChatAssembler {
  // Named fields, not a record filled by name in a loop: the writer thread's profile showed V8's
  // slow paths for both that and the spread that built the answer from it.
  private head: Head = {};
  private choices = new Map<number, AssembledChoice>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  add(chunk: Record<string, unknown>): void {
    const { head } = this;
    head.id = given(chunk.id, head.id);
    head.created = given(chunk.created, head.created);
    head.model = given(chunk.model, head.model);
    head.system_fingerprint = given(chunk.system_fingerprint, head.system_fingerprint);
    head.service_tier = given(chunk.service_tier, head.service_tier);
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as ChatChoiceDelta[]) : [];
    for (const choice of choices) this.addChoice(choice);
  }

  /** A chunk that only adds text to the first choice (see content-delta.ts). */
  addContent(content: string): void {
    this.addChoice({ index: 0, delta: { content } });
  }

  /** The answer as OpenAI writes a chat completion; a field no chunk gave stays undefined, so the stored JSON leaves it out. */
  result(usage: unknown): Record<string, unknown> {
    const { head } = this;
    return {
      id: head.id,
      object: "chat.completion",
      created: head.created,
      model: head.model,
      choices: [...this.choices.values()],
      usage: usage ?? null,
      service_tier: head.service_tier,
      system_fingerprint: head.system_fingerprint,
    };
  }

  private append(current: string | null | undefined, piece: string): string {
    const kept = piece.slice(0, Math.max(0, this.maxChars - this.chars));
    this.chars += kept.length;
    return (current ?? "") + kept;
  }

  private addChoice(choice: ChatChoiceDelta): void {
    const index = choice.index ?? 0;
    let target = this.choices.get(index);
    if (!target) {
      target = { index, message: { role: "assistant", content: null }, finish_reason: null };
      this.choices.set(index, target);
    }
    const delta = choice.delta ?? {};
    if (delta.role) target.message.role = delta.role;
    if (typeof delta.content === "string") target.message.content = this.append(target.message.content, delta.content);
    if (typeof delta.refusal === "string") target.message.refusal = this.append(target.message.refusal, delta.refusal);
    for (const call of delta.tool_calls ?? []) {
      target.message.tool_calls ??= [];
      const at = call.index ?? target.message.tool_calls.length;
      const existing = (target.message.tool_calls[at] ??= { type: "function", function: { name: "", arguments: "" } });
      if (call.id) existing.id = call.id;
      if (call.type) existing.type = call.type;
      existing.function.name += call.function?.name ?? "";
      existing.function.arguments = this.append(existing.function.arguments, call.function?.arguments ?? "");
    }
    if (choice.finish_reason) target.finish_reason = choice.finish_reason;
  }
}

const LF = 0x0a;
const CR = 0x0d;

/** An event longer than this is skipped: the log does not need it to be bounded. */
const MAX_EVENT_CHARS = 1024 * 1024;

const DATA_FIELD = "data: ";

/** The event's data lines joined as the SSE format says; null when it has none. */
function dataOf(event: string): string | null {
  // OpenAI's events are one `data: ` line: taken as it is, without splitting.
  if (event.startsWith(DATA_FIELD) && !event.includes("\n")) return event.slice(DATA_FIELD.length);
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const value = line.slice(line.charCodeAt(5) === 0x20 ? 6 : 5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

/**
 * The answer a stream amounts to, rebuilt from its bytes as they come (in any pieces) for the
 * request log: a chat completion from its chunks (usage included), the Responses API's final
 * response, or the last legacy completion chunk. Bounded: text stops growing at `maxChars`.
 */
export class StreamAssembler {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  private readonly chat: ChatAssembler;
  private isChat = false;
  private usage: unknown = null;
  private final: unknown = null;
  /** `data: `, the head of the last chat chunk parsed in full and a delta's start: an event that starts so is read without parsing. */
  private chatPrefix: string | null = null;

  constructor(maxChars: number) {
    this.chat = new ChatAssembler(maxChars);
  }

  push(bytes: Uint8Array): void {
    const text = this.pending + this.decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // The blank line may have begun in the text already searched: look again from just before its end.
    let lineEnd = text.indexOf("\n", Math.max(0, this.pending.length - 3));
    let eventStart = 0;
    for (; lineEnd !== -1; lineEnd = text.indexOf("\n", lineEnd + 1)) {
      const next = text.charCodeAt(lineEnd + 1) === CR ? lineEnd + 2 : lineEnd + 1;
      if (text.charCodeAt(next) !== LF) continue;
      this.addEvent(text, eventStart, text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd);
      eventStart = next + 1;
      lineEnd = next;
    }
    this.pending = text.length - eventStart > MAX_EVENT_CHARS ? "" : text.slice(eventStart);
  }

  /** The rebuilt answer, or null when the events were none of the known kinds. */
  result(): unknown {
    this.add(this.pending + this.decoder.end());
    this.pending = "";
    return this.final ?? (this.isChat ? this.chat.result(this.usage) : null);
  }

  /** The event that is `text` from `start` to `end`. */
  private addEvent(text: string, start: number, end: number): void {
    const content = this.chatPrefix === null ? null : contentDelta(text, this.chatPrefix, start, end);
    if (content === null) this.add(text.slice(start, end));
    else this.chat.addContent(content);
  }

  private add(event: string): void {
    const data = dataOf(event);
    if (data === null || data === "[DONE]") return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    if (parsed.object === "chat.completion.chunk") {
      this.isChat = true;
      this.chat.add(parsed);
      const prefix = deltaPrefixOf(data);
      this.chatPrefix = prefix === null ? null : `${DATA_FIELD}${prefix}`;
    }
    if (parsed.usage) this.usage = parsed.usage;
    if (parsed.type === "response.completed" && parsed.response) this.final = parsed.response;
    if (parsed.object === "text_completion") this.final = parsed;
  }
}
