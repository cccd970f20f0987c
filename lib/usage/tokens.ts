export type TokenCounts = { promptTokens: number | null; completionTokens: number | null };

type UsageLike = {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
};

const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** Reads the usage block of chat/completions/embeddings ("prompt_tokens") and responses ("input_tokens"). */
export function tokensFromUsage(usage: unknown): TokenCounts {
  if (!usage || typeof usage !== "object") return { promptTokens: null, completionTokens: null };
  const u = usage as UsageLike;
  return {
    promptTokens: count(u.prompt_tokens) ?? count(u.input_tokens),
    completionTokens: count(u.completion_tokens) ?? count(u.output_tokens),
  };
}

export function tokensFromBody(body: unknown): TokenCounts {
  if (!body || typeof body !== "object") return { promptTokens: null, completionTokens: null };
  const record = body as { usage?: unknown; response?: { usage?: unknown } };
  return tokensFromUsage(record.usage ?? record.response?.usage);
}
