import { singleton } from "../singleton";
import { logError } from "../log";
import { writeBatch } from "./write-batch";

export type AttemptRecord = { keyId: number; failed: boolean };

export type RequestRecord = {
  keyId: number | null;
  tokenId: number | null;
  source: "v1" | "playground";
  method: string;
  endpoint: string;
  model: string | null;
  stream: boolean;
  status: number;
  attempts: AttemptRecord[];
  latencyMs: number;
  ttfbMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  error: string | null;
  requestId: string | null;
  upstreamRequestId: string | null;
  requestBody: string | null;
  responseBody: string | null;
  createdAt: Date;
};

export type UsageDelta = { keyId: number; model: string; requests: number; errors: number; promptTokens: number; completionTokens: number; lastUsedAt: Date };

const FLUSH_DELAY_MS = 200;
const FLUSH_BATCH = 500;

type RecorderState = { queue: RequestRecord[]; timer: NodeJS.Timeout | null; flushing: Promise<void> };

const state = singleton<RecorderState>("recorder", () => ({ queue: [], timer: null, flushing: Promise.resolve() }));

/** Queues one request's outcome; the write happens off the request's path, batched. */
export function record(entry: RequestRecord): void {
  state.queue.push(entry);
  if (state.queue.length >= FLUSH_BATCH) {
    void flushRecords();
    return;
  }
  if (state.timer) return;
  state.timer = setTimeout(() => void flushRecords(), FLUSH_DELAY_MS);
  state.timer.unref();
}

/** Writes every queued record; resolves when all writes queued before the call are stored. */
export function flushRecords(): Promise<void> {
  if (state.timer) {
    clearTimeout(state.timer);
    state.timer = null;
  }
  state.flushing = state.flushing.then(async () => {
    while (state.queue.length > 0) {
      const batch = state.queue.splice(0, FLUSH_BATCH);
      try {
        await writeBatch(batch, usageDeltas(batch), latestBy(batch, (entry) => entry.keyId), latestBy(batch, (entry) => entry.tokenId));
      } catch (error) {
        logError("could not store request logs; will retry", error, { rows: batch.length });
        state.queue.unshift(...batch);
        if (!state.timer) {
          state.timer = setTimeout(() => void flushRecords(), 1000);
          state.timer.unref();
        }
        return;
      }
    }
  });
  return state.flushing;
}

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

function latestBy<K>(batch: readonly RequestRecord[], pick: (entry: RequestRecord) => K | null): Map<K, Date> {
  const latest = new Map<K, Date>();
  for (const entry of batch) {
    const id = pick(entry);
    if (id === null) continue;
    const seen = latest.get(id);
    if (!seen || entry.createdAt > seen) latest.set(id, entry.createdAt);
  }
  return latest;
}
