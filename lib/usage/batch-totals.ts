import type { LogEntry } from "./request-log";

export type UsageDelta = { keyId: number; model: string; requests: number; errors: number; promptTokens: number; completionTokens: number; lastUsedAt: Date };

/** Per (key, model): one request per upstream attempt, an error for each failed one, tokens for the served one. */
export function usageDeltas(batch: readonly LogEntry[]): UsageDelta[] {
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

export function latestBy<K>(batch: readonly LogEntry[], pick: (entry: LogEntry) => K | null): Map<K, Date> {
  const latest = new Map<K, Date>();
  for (const entry of batch) {
    const id = pick(entry);
    if (id === null) continue;
    const seen = latest.get(id);
    if (!seen || entry.createdAt > seen) latest.set(id, entry.createdAt);
  }
  return latest;
}

export type RollupDelta = {
  hour: Date;
  keyId: number | null;
  model: string;
  tokenId: number | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  costUsd: number;
  unpriced: number;
};

/** A request that used tokens of a model without a price: counted as such, never as costing nothing. */
export const isUnpriced = (entry: Pick<LogEntry, "promptTokens" | "completionTokens" | "costUsd">) =>
  entry.costUsd === null && (entry.promptTokens !== null || entry.completionTokens !== null);

const HOUR_MS = 3600_000;

/** Per (UTC hour, key, model, token): the batch's log rows summed as the statistics count them (see UsageRollup). */
export function rollupDeltas(batch: readonly LogEntry[]): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  for (const entry of batch) {
    const hour = new Date(Math.floor(entry.createdAt.getTime() / HOUR_MS) * HOUR_MS);
    const model = entry.model ?? "";
    const id = `${hour.getTime()}\u0000${entry.keyId}\u0000${model}\u0000${entry.tokenId}`;
    const delta = deltas.get(id) ?? { hour, keyId: entry.keyId, model, tokenId: entry.tokenId, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0, costUsd: 0, unpriced: 0 };
    delta.requests += 1;
    // A stream that broke off after its 200 is an error too: its row carries the error.
    if (entry.status >= 400 || entry.error !== null) delta.errors += 1;
    delta.promptTokens += entry.promptTokens ?? 0;
    delta.completionTokens += entry.completionTokens ?? 0;
    delta.latencyMs += entry.latencyMs;
    delta.costUsd += entry.costUsd ?? 0;
    if (isUnpriced(entry)) delta.unpriced += 1;
    deltas.set(id, delta);
  }
  return [...deltas.values()];
}
