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

/**
 * Rebuilds the final message from chat-completion chunks, for the request log. Text stops
 * growing once `maxChars` are held: the log keeps no more than that, and a long answer must not
 * grow the process.
 */
export class ChatAssembler {
  private head: Record<string, unknown> = {};
  private choices = new Map<number, AssembledChoice>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

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

  private append(current: string | null | undefined, piece: string): string {
    const room = Math.max(0, this.maxChars - this.chars);
    const kept = piece.length <= room ? piece : piece.slice(0, room);
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
