import { db } from "../db";
import { singleton } from "../singleton";
import { logError } from "../log";

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

type UsageDelta = { keyId: number; model: string; requests: number; errors: number; promptTokens: number; completionTokens: number; lastUsedAt: Date };

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

export function pendingRecords(): number {
  return state.queue.length;
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
        await writeBatch(batch);
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

async function writeBatch(batch: RequestRecord[]): Promise<void> {
  const deltas = usageDeltas(batch);
  const keyIds = new Set((await db.key.findMany({ select: { id: true } })).map((row) => row.id));
  const tokenIds = new Set((await db.accessToken.findMany({ select: { id: true } })).map((row) => row.id));
  // A key or token deleted while its request was in flight: keep the row, drop the dangling reference.
  const rows = batch.map(({ attempts, ...entry }) => ({
    ...entry,
    keyId: entry.keyId !== null && keyIds.has(entry.keyId) ? entry.keyId : null,
    tokenId: entry.tokenId !== null && tokenIds.has(entry.tokenId) ? entry.tokenId : null,
    attempts: attempts.length,
  }));
  const keyUse = latestBy(batch, (entry) => (entry.keyId !== null && keyIds.has(entry.keyId) ? entry.keyId : null));
  const tokenUse = latestBy(batch, (entry) => (entry.tokenId !== null && tokenIds.has(entry.tokenId) ? entry.tokenId : null));
  await db.$transaction([
    db.requestLog.createMany({ data: rows }),
    ...deltas
      .filter((delta) => keyIds.has(delta.keyId))
      .map(({ keyId, model, ...counts }) =>
        db.usageStat.upsert({
          where: { keyId_model: { keyId, model } },
          create: { keyId, model, ...counts },
          update: {
            requests: { increment: counts.requests },
            errors: { increment: counts.errors },
            promptTokens: { increment: counts.promptTokens },
            completionTokens: { increment: counts.completionTokens },
            lastUsedAt: counts.lastUsedAt,
          },
        }),
      ),
    ...[...keyUse].map(([id, at]) => db.key.update({ where: { id }, data: { lastUsedAt: at } })),
    ...[...tokenUse].map(([id, at]) => db.accessToken.update({ where: { id }, data: { lastUsedAt: at } })),
  ]);
}
