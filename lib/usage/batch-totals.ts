import type { RequestRecord } from "./recorder";

export type UsageDelta = { keyId: number; model: string; requests: number; errors: number; promptTokens: number; completionTokens: number; lastUsedAt: Date };

/** Per (key, model): one request per upstream attempt, an error for each failed one, tokens for the served one. */
export function usageDeltas(batch: readonly RequestRecord[]): UsageDelta[] {
  const deltas = new Map<string, UsageDelta>();
  for (const entry of batch) {
    const model = entry.model ?? "";
    entry.attempts.forEach((attempt) => {
      const id = `${attempt.keyId}\u0000${model}`;
      const delta = deltas.get(id) ?? { keyId: attempt.keyId, model, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, lastUsedAt: entry.createdAt };
      delta.requests += 1;
      if (attempt.failed) delta.errors += 1;
      if (attempt.keyId === entry.keyId && !attempt.failed) {
        delta.promptTokens += entry.promptTokens ?? 0;
        delta.completionTokens += entry.completionTokens ?? 0;
      }
      if (entry.createdAt > delta.lastUsedAt) delta.lastUsedAt = entry.createdAt;
      deltas.set(id, delta);
    });
  }
  return [...deltas.values()];
}

export function latestBy<K>(batch: readonly RequestRecord[], pick: (entry: RequestRecord) => K | null): Map<K, Date> {
  const latest = new Map<K, Date>();
  for (const entry of batch) {
    const id = pick(entry);
    if (id === null) continue;
    const seen = latest.get(id);
    if (!seen || entry.createdAt > seen) latest.set(id, entry.createdAt);
  }
  return latest;
}
