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

  result(usage: unknown): Record<string, unknown> {
    return { ...this.head, object: "chat.completion", choices: [...this.choices.values()], usage: usage ?? null };
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
}

/**
 * The answer a stream amounts to, rebuilt from its events' data for the request log: a chat
 * completion from its chunks (usage included), the Responses API's final response, or the last
 * legacy completion chunk. Null when the events are none of these.
 */
export function assembleStream(events: readonly string[]): unknown {
  const chat = new ChatAssembler();
  let isChat = false;
  let usage: unknown = null;
  let final: unknown = null;
  for (const data of events) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (parsed.object === "chat.completion.chunk") {
      isChat = true;
      chat.add(parsed);
    }
    if (parsed.usage) usage = parsed.usage;
    if (parsed.type === "response.completed" && parsed.response) final = parsed.response;
    if (parsed.object === "text_completion") final = parsed;
  }
  return final ?? (isChat ? chat.result(usage) : null);
}
