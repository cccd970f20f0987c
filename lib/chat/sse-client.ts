/** Splits a growing SSE text into complete `data:` payloads; returns them and the unfinished rest. */
export function takeSseData(buffer: string): { payloads: string[]; rest: string } {
  const events = buffer.split(/\r?\n\r?\n/);
  const rest = events.pop() ?? "";
  const payloads = events
    .map((event) =>
      event
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n"),
    )
    .filter((data) => data.length > 0);
  return { payloads, rest };
}

export type ChunkUpdate = { text: string; usage: { prompt_tokens?: number; completion_tokens?: number } | null; done: boolean };

/** What one chat-completion chunk adds to the reply. */
export function readChunk(payload: string): ChunkUpdate {
  if (payload === "[DONE]") return { text: "", usage: null, done: true };
  try {
    const chunk = JSON.parse(payload) as { choices?: { delta?: { content?: string | null } }[]; usage?: ChunkUpdate["usage"] };
    return { text: chunk.choices?.[0]?.delta?.content ?? "", usage: chunk.usage ?? null, done: false };
  } catch {
    return { text: "", usage: null, done: false };
  }
}
