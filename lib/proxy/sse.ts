import { tokensFromUsage, type TokenCounts } from "../usage/tokens";

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

/** Rebuilds the final message from chat-completion chunks, for the request log. */
class ChatAssembler {
  private head: Record<string, unknown> = {};
  private choices = new Map<number, AssembledChoice>();

  add(chunk: Record<string, unknown>): void {
    for (const field of ["id", "created", "model", "system_fingerprint", "service_tier"]) {
      if (chunk[field] !== undefined && chunk[field] !== null) this.head[field] = chunk[field];
    }
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as ChatChoiceDelta[]) : [];
    for (const choice of choices) this.addChoice(choice);
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
    if (typeof delta.content === "string") target.message.content = (target.message.content ?? "") + delta.content;
    if (typeof delta.refusal === "string") target.message.refusal = (target.message.refusal ?? "") + delta.refusal;
    for (const call of delta.tool_calls ?? []) {
      target.message.tool_calls ??= [];
      const at = call.index ?? target.message.tool_calls.length;
      const existing = (target.message.tool_calls[at] ??= { type: "function", function: { name: "", arguments: "" } });
      if (call.id) existing.id = call.id;
      if (call.type) existing.type = call.type;
      existing.function.name += call.function?.name ?? "";
      existing.function.arguments += call.function?.arguments ?? "";
    }
    if (choice.finish_reason) target.finish_reason = choice.finish_reason;
  }

  result(usage: unknown): Record<string, unknown> {
    return { ...this.head, object: "chat.completion", choices: [...this.choices.values()], usage: usage ?? null };
  }
}

export type RelayOptions = {
  /** The client did not ask for the usage chunk that KeyPool requested for its own counting. */
  stripUsage: boolean;
};

export type RelaySummary = TokenCounts & { assembled: unknown; events: number };

const encoder = new TextEncoder();
const EVENT_BOUNDARY = /\r?\n\r?\n/;

/**
 * Watches an SSE stream as it passes: counts tokens, rebuilds the final message, and (only when
 * the client did not ask for usage) drops the usage-only chunk and the "usage": null fields.
 * Without stripping, bytes are forwarded exactly as received.
 */
export class SseRelay {
  private decoder = new TextDecoder();
  private pending = "";
  private chat = new ChatAssembler();
  private isChat = false;
  private usage: unknown = null;
  private finalResponse: unknown = null;
  private events = 0;

  constructor(private readonly options: RelayOptions) {}

  /** Returns what to forward now (possibly nothing, never later than its own event's end). */
  push(chunk: Uint8Array): Uint8Array | null {
    this.pending += this.decoder.decode(chunk, { stream: true });
    const parts = this.pending.split(EVENT_BOUNDARY);
    this.pending = parts.pop() ?? "";
    if (!this.options.stripUsage) {
      for (const event of parts) this.inspect(event);
      return chunk;
    }
    const kept = parts.map((event) => this.inspect(event)).filter((event): event is string => event !== null);
    return kept.length > 0 ? encoder.encode(kept.map((event) => `${event}\n\n`).join("")) : null;
  }

  /** Whatever is left when the upstream ends (an event without its blank line). */
  flush(): Uint8Array | null {
    this.pending += this.decoder.decode();
    const rest = this.pending;
    this.pending = "";
    if (!rest.trim()) return null;
    const kept = this.inspect(rest);
    return this.options.stripUsage && kept !== null ? encoder.encode(kept) : null;
  }

  summary(): RelaySummary {
    const assembled = this.finalResponse ?? (this.isChat ? this.chat.result(this.usage) : null);
    return { ...tokensFromUsage(this.usage), assembled, events: this.events };
  }

  /** Parses one event; returns the event text to forward, or null to drop it. */
  private inspect(event: string): string | null {
    this.events += 1;
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trimStart())
      .join("\n");
    if (!data || data === "[DONE]") return event;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return event;
    }
    this.observe(parsed);
    if (!this.options.stripUsage || !("usage" in parsed)) return event;
    const choices = parsed.choices;
    if (parsed.usage && Array.isArray(choices) && choices.length === 0) return null;
    if (parsed.usage === null) {
      delete parsed.usage;
      return `data: ${JSON.stringify(parsed)}`;
    }
    return event;
  }

  private observe(parsed: Record<string, unknown>): void {
    if (parsed.object === "chat.completion.chunk") {
      this.isChat = true;
      this.chat.add(parsed);
    }
    if (parsed.usage) this.usage = parsed.usage;
    // Responses API: the final event carries the whole response, usage included.
    const response = parsed.response as { usage?: unknown } | undefined;
    if (parsed.type === "response.completed" && response) {
      this.finalResponse = response;
      if (response.usage) this.usage = response.usage;
    }
    if (parsed.object === "text_completion") this.finalResponse = parsed;
  }
}
