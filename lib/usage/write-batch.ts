import { logDb } from "../db";
import { singleton } from "../singleton";
import type { RequestRecord } from "./recorder";
import { latestBy, usageDeltas } from "./batch-totals";
import { storedTime } from "./stored-time";

const LOG_COLUMNS = [
  "keyId", "tokenId", "source", "method", "endpoint", "model", "stream", "status", "attempts", "latencyMs", "ttfbMs",
  "promptTokens", "completionTokens", "error", "requestId", "upstreamRequestId", "requestBody", "responseBody", "createdAt",
] as const;

// A key or token deleted while its request was in flight: the row stays, the reference becomes NULL.
const INSERT_LOG = `INSERT INTO "RequestLog" (${LOG_COLUMNS.map((column) => `"${column}"`).join(", ")})
  VALUES ((SELECT id FROM "Key" WHERE id = ?), (SELECT id FROM "AccessToken" WHERE id = ?), ${LOG_COLUMNS.slice(2).map(() => "?").join(", ")})`;

const UPSERT_USAGE = `INSERT INTO "UsageStat" (keyId, model, requests, errors, promptTokens, completionTokens, lastUsedAt)
  SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM "Key" WHERE id = ?)
  ON CONFLICT (keyId, model) DO UPDATE SET
    requests = requests + excluded.requests, errors = errors + excluded.errors,
    promptTokens = promptTokens + excluded.promptTokens, completionTokens = completionTokens + excluded.completionTokens,
    lastUsedAt = MAX(COALESCE(lastUsedAt, ''), excluded.lastUsedAt)`;

const TOUCH_KEY = `UPDATE "Key" SET lastUsedAt = MAX(COALESCE(lastUsedAt, ''), ?) WHERE id = ?`;
const TOUCH_TOKEN = `UPDATE "AccessToken" SET lastUsedAt = MAX(COALESCE(lastUsedAt, ''), ?) WHERE id = ?`;

function logParams(entry: RequestRecord): unknown[] {
  return [
    entry.keyId, entry.tokenId, entry.source, entry.method, entry.endpoint, entry.model, entry.stream ? 1 : 0, entry.status,
    entry.attempts.length, entry.latencyMs, entry.ttfbMs, entry.promptTokens, entry.completionTokens, entry.error,
    entry.requestId, entry.upstreamRequestId, entry.requestBody, entry.responseBody, storedTime(entry.createdAt),
  ];
}

const writer = () =>
  singleton("logWriter", () => {
    const connection = logDb();
    const insertLog = connection.prepare(INSERT_LOG);
    const upsertUsage = connection.prepare(UPSERT_USAGE);
    const touchKey = connection.prepare(TOUCH_KEY);
    const touchToken = connection.prepare(TOUCH_TOKEN);
    return connection.transaction((batch: readonly RequestRecord[]) => {
      for (const entry of batch) insertLog.run(logParams(entry));
      for (const delta of usageDeltas(batch)) {
        upsertUsage.run(delta.keyId, delta.model, delta.requests, delta.errors, delta.promptTokens, delta.completionTokens, storedTime(delta.lastUsedAt), delta.keyId);
      }
      for (const [id, at] of latestBy(batch, (entry) => entry.keyId)) touchKey.run(storedTime(at), id);
      for (const [id, at] of latestBy(batch, (entry) => entry.tokenId)) touchToken.run(storedTime(at), id);
    });
  });

/** One transaction: the log rows, the usage counters, and when each key and token was last used. */
export async function writeBatch(batch: readonly RequestRecord[]): Promise<void> {
  writer()(batch);
}
