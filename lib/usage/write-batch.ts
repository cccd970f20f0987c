import type Database from "better-sqlite3";
import { truncate } from "../proxy/scrub";
import { StreamAssembler } from "./assemble";
import { latestBy, rollupDeltas, usageDeltas } from "./batch-totals";
import type { LogEntry } from "./request-log";
import { storedTime } from "./stored-time";

const LOG_COLUMNS = [
  "keyId", "tokenId", "source", "method", "endpoint", "model", "stream", "status", "attempts", "latencyMs", "ttfbMs",
  "promptTokens", "completionTokens", "cachedTokens", "reasoningTokens", "costUsd", "error", "requestId", "upstreamRequestId",
  "requestBody", "responseBody", "createdAt",
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

// Keyed like the log row: a key or token deleted in flight counts as none (0), never fails the batch.
const UPSERT_ROLLUP = `INSERT INTO "UsageRollup" (hour, keyId, model, tokenId, requests, errors, promptTokens, completionTokens, latencyMs, costUsd, unpriced)
  VALUES (?, COALESCE((SELECT id FROM "Key" WHERE id = ?), 0), ?, COALESCE((SELECT id FROM "AccessToken" WHERE id = ?), 0), ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (hour, keyId, model, tokenId) DO UPDATE SET
    requests = requests + excluded.requests, errors = errors + excluded.errors, promptTokens = promptTokens + excluded.promptTokens,
    completionTokens = completionTokens + excluded.completionTokens, latencyMs = latencyMs + excluded.latencyMs,
    costUsd = costUsd + excluded.costUsd, unpriced = unpriced + excluded.unpriced`;

const TOUCH_KEY = `UPDATE "Key" SET lastUsedAt = MAX(COALESCE(lastUsedAt, ''), ?) WHERE id = ?`;
const TOUCH_TOKEN = `UPDATE "AccessToken" SET lastUsedAt = MAX(COALESCE(lastUsedAt, ''), ?) WHERE id = ?`;

const UPSERT_SETTING = `INSERT INTO "Setting" (key, value, updatedAt) VALUES (?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt`;

const UPSERT_BINDING = `INSERT INTO "ObjectBinding" (objectId, keyId, kind, createdAt) VALUES (?, ?, ?, ?)
  ON CONFLICT (objectId) DO UPDATE SET keyId = excluded.keyId, kind = excluded.kind, createdAt = excluded.createdAt`;
const DELETE_BINDING = `DELETE FROM "ObjectBinding" WHERE objectId = ?`;

export type WriterOptions = { logBodyMaxBytes: number };

/** Streams whose first parts arrived ahead of their record. */
const streams = new Map<number, StreamAssembler>();

function assembler(id: number, options: WriterOptions): StreamAssembler {
  let found = streams.get(id);
  if (!found) {
    found = new StreamAssembler(options.logBodyMaxBytes);
    streams.set(id, found);
  }
  return found;
}

function responseBody(entry: LogEntry, options: WriterOptions): string | null {
  const stream = entry.responseStream;
  if (!stream) return entry.responseBody;
  const assembled = stream.continued ? assembler(stream.id, options) : new StreamAssembler(options.logBodyMaxBytes);
  streams.delete(stream.id);
  assembled.push(stream.bytes);
  const answer = assembled.result();
  return answer === null ? null : truncate(JSON.stringify(answer), options.logBodyMaxBytes);
}

function logParams(entry: LogEntry, options: WriterOptions): unknown[] {
  return [
    entry.keyId, entry.tokenId, entry.source, entry.method, entry.endpoint, entry.model, entry.stream ? 1 : 0, entry.status,
    entry.attempts.length, entry.latencyMs, entry.ttfbMs, entry.promptTokens, entry.completionTokens, entry.cachedTokens,
    entry.reasoningTokens, entry.costUsd, entry.error, entry.requestId, entry.upstreamRequestId, entry.requestBody, responseBody(entry, options), storedTime(entry.createdAt),
  ];
}

export type BatchWriter = {
  /** One transaction: the log rows, their hourly rollups, the usage counters, and when each key and token was last used. */
  writeEntries: (batch: readonly LogEntry[]) => void;
  writeSetting: (key: string, value: string) => void;
  writeBinding: (objectId: string, keyId: number, kind: string, createdAt: Date) => void;
  deleteBinding: (objectId: string) => void;
  addStreamPart: (id: number, bytes: Uint8Array) => void;
};

/** Prepared statements on the log writer's own connection (see log-writer.worker.ts). */
export function createBatchWriter(connection: Database.Database, options: WriterOptions): BatchWriter {
  const insertLog = connection.prepare(INSERT_LOG);
  const upsertUsage = connection.prepare(UPSERT_USAGE);
  const upsertRollup = connection.prepare(UPSERT_ROLLUP);
  const touchKey = connection.prepare(TOUCH_KEY);
  const touchToken = connection.prepare(TOUCH_TOKEN);
  const upsertSetting = connection.prepare(UPSERT_SETTING);
  const upsertBinding = connection.prepare(UPSERT_BINDING);
  const deleteBinding = connection.prepare(DELETE_BINDING);
  const writeEntries = connection.transaction((batch: readonly LogEntry[]) => {
    for (const entry of batch) insertLog.run(logParams(entry, options));
    for (const delta of rollupDeltas(batch)) {
      upsertRollup.run(storedTime(delta.hour), delta.keyId, delta.model, delta.tokenId, delta.requests, delta.errors, delta.promptTokens, delta.completionTokens, delta.latencyMs, delta.costUsd, delta.unpriced);
    }
    for (const delta of usageDeltas(batch)) {
      upsertUsage.run(delta.keyId, delta.model, delta.requests, delta.errors, delta.promptTokens, delta.completionTokens, storedTime(delta.lastUsedAt), delta.keyId);
    }
    for (const [id, at] of latestBy(batch, (entry) => entry.keyId)) touchKey.run(storedTime(at), id);
    for (const [id, at] of latestBy(batch, (entry) => entry.tokenId)) touchToken.run(storedTime(at), id);
  });
  return {
    writeEntries,
    writeSetting: (key, value) => upsertSetting.run(key, value, storedTime(new Date())),
    writeBinding: (objectId, keyId, kind, createdAt) => upsertBinding.run(objectId, keyId, kind, storedTime(createdAt)),
    deleteBinding: (objectId) => deleteBinding.run(objectId),
    addStreamPart: (id, bytes) => assembler(id, options).push(bytes),
  };
}
