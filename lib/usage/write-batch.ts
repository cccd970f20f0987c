import { db } from "../db";
import type { RequestRecord } from "./recorder";
import { latestBy, usageDeltas } from "./batch-totals";
import { storedTime } from "./stored-time";

// Hand-written SQL on purpose: this runs on the event loop next to proxied requests, and one
// multi-row statement costs a fraction of Prisma's per-model batch (measured by `npm run bench`).

const LOG_COLUMNS = [
  "keyId", "tokenId", "source", "method", "endpoint", "model", "stream", "status", "attempts", "latencyMs", "ttfbMs",
  "promptTokens", "completionTokens", "error", "requestId", "upstreamRequestId", "requestBody", "responseBody", "createdAt",
] as const;

/** A key or token deleted while its request was in flight: the row stays, the reference becomes NULL. */
const LOG_VALUES = `((SELECT id FROM "Key" WHERE id = ?), (SELECT id FROM "AccessToken" WHERE id = ?), ${LOG_COLUMNS.slice(2).map(() => "?").join(", ")})`;

function logParams(entry: RequestRecord): unknown[] {
  return [
    entry.keyId, entry.tokenId, entry.source, entry.method, entry.endpoint, entry.model, entry.stream ? 1 : 0, entry.status,
    entry.attempts.length, entry.latencyMs, entry.ttfbMs, entry.promptTokens, entry.completionTokens, entry.error,
    entry.requestId, entry.upstreamRequestId, entry.requestBody, entry.responseBody, storedTime(entry.createdAt),
  ];
}

const UPSERT_USAGE = `INSERT INTO "UsageStat" (keyId, model, requests, errors, promptTokens, completionTokens, lastUsedAt)
  SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM "Key" WHERE id = ?)
  ON CONFLICT (keyId, model) DO UPDATE SET
    requests = requests + excluded.requests, errors = errors + excluded.errors,
    promptTokens = promptTokens + excluded.promptTokens, completionTokens = completionTokens + excluded.completionTokens,
    lastUsedAt = MAX(COALESCE(lastUsedAt, ''), excluded.lastUsedAt)`;

/** One transaction: the log rows, the usage counters, and when each key and token was last used. */
export async function writeBatch(batch: readonly RequestRecord[]): Promise<void> {
  const keyUse = latestBy(batch, (entry) => entry.keyId);
  const tokenUse = latestBy(batch, (entry) => entry.tokenId);
  await db.$transaction([
    db.$executeRawUnsafe(`INSERT INTO "RequestLog" (${LOG_COLUMNS.map((column) => `"${column}"`).join(", ")}) VALUES ${batch.map(() => LOG_VALUES).join(", ")}`, ...batch.flatMap(logParams)),
    ...usageDeltas(batch).map((delta) =>
      db.$executeRawUnsafe(UPSERT_USAGE, delta.keyId, delta.model, delta.requests, delta.errors, delta.promptTokens, delta.completionTokens, storedTime(delta.lastUsedAt), delta.keyId),
    ),
    ...[...keyUse].map(([id, at]) => db.$executeRawUnsafe(`UPDATE "Key" SET lastUsedAt = MAX(COALESCE(lastUsedAt, ''), ?) WHERE id = ?`, storedTime(at), id)),
    ...[...tokenUse].map(([id, at]) => db.$executeRawUnsafe(`UPDATE "AccessToken" SET lastUsedAt = MAX(COALESCE(lastUsedAt, ''), ?) WHERE id = ?`, storedTime(at), id)),
  ]);
}
