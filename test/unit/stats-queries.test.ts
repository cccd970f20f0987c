// Each statistics figure against known rows in a real SQLite file built by the migrations, the
// rows written by the real batch writer (so with their rollups, in its one transaction).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript module shared with the start script
import { migrate } from "../../scripts/migrate.mjs";
import { createBatchWriter } from "@/lib/usage/write-batch";
import { figures, perKey, perModel, perToken, series, splitRange, totals } from "@/lib/usage/stats-queries";
import type { LogEntry } from "@/lib/usage/request-log";
import { rollupsFromLog, storedRollups } from "../helpers/rollups";

const MIGRATIONS = path.resolve(import.meta.dirname, "../../prisma/migrations");

const base: LogEntry = {
  keyId: null, tokenId: null, source: "v1", method: "POST", endpoint: "/v1/chat/completions", model: null, stream: false, status: 200,
  attempts: [], latencyMs: 0, ttfbMs: null, promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null, costUsd: null, error: null, requestId: null, upstreamRequestId: null,
  requestBody: null, responseBody: null, responseStream: null, createdAt: new Date(0),
};
const at = (time: string) => new Date(`2026-01-01T${time}Z`);
const row = (time: string, fields: Partial<LogEntry>): LogEntry => ({
  ...base,
  ...fields,
  createdAt: at(time),
  attempts: fields.keyId ? [{ keyId: fields.keyId, failed: (fields.status ?? 200) >= 400, outcome: (fields.status ?? 200) >= 400 ? "transient" : "success" }] : [],
});

// Keys 1 and 2 and token 1 exist; key 99 was deleted while its request was in flight.
const ROWS = [
  row("09:10:00", { keyId: 1, tokenId: 1, model: "a", promptTokens: 10, completionTokens: 5, latencyMs: 100 }),
  row("09:50:00", { keyId: 1, model: "a", status: 500, error: "upstream 500", latencyMs: 50 }),
  row("10:20:00", { keyId: 2, model: "b", error: "the stream broke off", promptTokens: 3, completionTokens: 4, latencyMs: 30 }),
  row("11:00:00", { status: 401, latencyMs: 1 }),
  row("11:59:59.999", { keyId: 2, tokenId: 1, model: "a", promptTokens: 1, completionTokens: 1, latencyMs: 10 }),
  row("12:30:00", { keyId: 1, model: "b", promptTokens: 2, completionTokens: 2, latencyMs: 20 }),
  row("12:45:00", { keyId: 99, model: "a", promptTokens: 7, completionTokens: 7, latencyMs: 70 }),
];
// 09:30–12:40: 09:50 (head, raw), 10:20, 11:00 and 11:59 (whole hours, rollups), 12:30 (tail, raw).
const RANGE = splitRange(at("09:30:00"), at("12:40:00"));
/** A range over all traffic (no client token singled out). */
const overAll = (range: ReturnType<typeof splitRange>) => ({ ...range, tokenId: null });

let dir: string;
let db: Database.Database;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "keypool-stats-"));
  const databasePath = path.join(dir, "keypool.db");
  migrate({ databasePath, migrationsDir: MIGRATIONS });
  db = new Database(databasePath);
  const now = new Date().toISOString();
  for (const id of [1, 2]) db.prepare(`INSERT INTO "Key" (id, cipher, hash, last4, updatedAt) VALUES (?, 'c', ?, 'abcd', ?)`).run(id, `h${id}`, now);
  db.prepare(`INSERT INTO "AccessToken" (id, hash, prefix) VALUES (1, 'th', 'kp-')`).run();
  const writer = createBatchWriter(db, { logBodyMaxBytes: 1000 });
  // Two batches, so rollup rows are added to as well as created.
  writer.writeEntries(ROWS.slice(0, 4));
  writer.writeEntries(ROWS.slice(4));
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("hourly rollups", () => {
  it("hold what the log holds, per hour, key, model and token (a key deleted in flight as none)", () => {
    expect(storedRollups(db)).toEqual(rollupsFromLog(db));
    expect(db.prepare(`SELECT COUNT(*) AS n FROM "UsageRollup"`).get()).toEqual({ n: 7 });
    expect(db.prepare(`SELECT keyId, model, tokenId, requests FROM "UsageRollup" WHERE hour = '2026-01-01T12:00:00.000+00:00' ORDER BY keyId`).all()).toEqual([
      { keyId: 0, model: "a", tokenId: 0, requests: 1 },
      { keyId: 1, model: "b", tokenId: 0, requests: 1 },
    ]);
  });

  it("group rows of the same hour, key, model and token into one, NULLs included", () => {
    const writer = createBatchWriter(db, { logBodyMaxBytes: 1000 });
    writer.writeEntries([row("11:30:00", { status: 404, latencyMs: 2 }), row("11:40:00", { latencyMs: 3 })]);
    expect(db.prepare(`SELECT requests, errors, latencyMs FROM "UsageRollup" WHERE hour = '2026-01-01T11:00:00.000+00:00' AND keyId = 0`).all()).toEqual([
      { requests: 3, errors: 2, latencyMs: 6 },
    ]);
    expect(storedRollups(db)).toEqual(rollupsFromLog(db));
  });

  it("still agree with the log after a key and a token are deleted", () => {
    db.prepare(`DELETE FROM "Key" WHERE id = 2`).run();
    db.prepare(`DELETE FROM "AccessToken" WHERE id = 1`).run();
    expect(storedRollups(db)).toEqual(rollupsFromLog(db));
  });
});

describe("splitRange", () => {
  it("takes whole hours from the rollups and the partial hours at the edges from the log", () => {
    expect(RANGE).toEqual({
      hoursFrom: "2026-01-01T10:00:00.000+00:00", hoursTo: "2026-01-01T12:00:00.000+00:00",
      headFrom: "2026-01-01T09:30:00.000+00:00", headTo: "2026-01-01T10:00:00.000+00:00",
      tailFrom: "2026-01-01T12:00:00.000+00:00", tailTo: "2026-01-01T12:40:00.000+00:00",
    });
  });

  it("reads a range inside one hour, or without a whole hour, from the log alone", () => {
    const inside = splitRange(at("10:05:00"), at("10:55:00"));
    expect(inside).toMatchObject({ headFrom: "2026-01-01T10:05:00.000+00:00", headTo: "2026-01-01T10:55:00.000+00:00" });
    expect(inside.hoursFrom).toBe(inside.hoursTo);
    expect(inside.tailFrom).toBe(inside.tailTo);
    const across = splitRange(at("10:30:00"), at("11:30:00"));
    expect(across).toMatchObject({ headFrom: "2026-01-01T10:30:00.000+00:00", headTo: "2026-01-01T11:30:00.000+00:00" });
    expect(across.hoursFrom).toBe(across.hoursTo);
  });
});

describe("statistics figures", () => {
  it("totals", () => {
    expect(totals(db, overAll(RANGE))).toEqual({ requests: 5, errors: 3, promptTokens: 6, completionTokens: 7, latencyMs: 111, costUsd: 0, unpriced: expect.any(Number) });
  });

  it("per key: a row without a key, and one whose key is gone, count as none", () => {
    const byKey = (range = RANGE) => Object.fromEntries(perKey(db, overAll(range)).map(({ keyId, ...rest }) => [String(keyId), rest]));
    expect(byKey()).toEqual({
      "1": { requests: 2, errors: 1, promptTokens: 2, completionTokens: 2, latencyMs: 70, costUsd: 0, unpriced: expect.any(Number) },
      "2": { requests: 2, errors: 1, promptTokens: 4, completionTokens: 5, latencyMs: 40, costUsd: 0, unpriced: expect.any(Number) },
      null: { requests: 1, errors: 1, promptTokens: 0, completionTokens: 0, latencyMs: 1, costUsd: 0, unpriced: expect.any(Number) },
    });
    expect(byKey(splitRange(at("12:40:00"), at("13:00:00")))).toEqual({ null: { requests: 1, errors: 0, promptTokens: 7, completionTokens: 7, latencyMs: 70, costUsd: 0, unpriced: expect.any(Number) } });
    db.prepare(`DELETE FROM "Key" WHERE id = 2`).run();
    expect(byKey()).toEqual({
      "1": { requests: 2, errors: 1, promptTokens: 2, completionTokens: 2, latencyMs: 70, costUsd: 0, unpriced: expect.any(Number) },
      null: { requests: 3, errors: 2, promptTokens: 4, completionTokens: 5, latencyMs: 41, costUsd: 0, unpriced: expect.any(Number) },
    });
  });

  it("per model", () => {
    const byModel = Object.fromEntries(perModel(db, overAll(RANGE)).map(({ model, requests, errors, promptTokens, completionTokens }) => [String(model), [requests, errors, promptTokens, completionTokens]]));
    expect(byModel).toEqual({ a: [2, 1, 1, 1], b: [2, 1, 5, 6], null: [1, 1, 0, 0] });
  });

  it("series by hour and by day", () => {
    expect(series(db, overAll(RANGE), "hour").map(({ time, requests, errors }) => [time, requests, errors])).toEqual([
      ["2026-01-01T09:00:00Z", 1, 1],
      ["2026-01-01T10:00:00Z", 1, 1],
      ["2026-01-01T11:00:00Z", 2, 1],
      ["2026-01-01T12:00:00Z", 1, 0],
    ]);
    expect(series(db, overAll(RANGE), "day")).toEqual([{ time: "2026-01-01T00:00:00Z", requests: 5, errors: 3, promptTokens: 6, completionTokens: 7, latencyMs: 111, costUsd: 0, unpriced: expect.any(Number) }]);
  });

  it("today, with the rest, in one call", () => {
    const all = figures(db, { from: at("09:30:00"), to: at("12:40:00"), bucket: "hour", todayFrom: at("00:00:00"), todayTo: at("12:50:00"), tokenId: null });
    expect(all.today).toEqual({ requests: 7, errors: 3, promptTokens: 23, completionTokens: 19, latencyMs: 281, costUsd: 0, unpriced: expect.any(Number) });
    expect(all.totals).toEqual(totals(db, overAll(RANGE)));
  });

  it("cost and unpriced requests, per token and for one token alone, from rollups and raw rows alike", () => {
    // Priced rows carry their cost; a row with tokens and no cost is unpriced; a row without tokens is neither.
    createBatchWriter(db, { logBodyMaxBytes: 1000 }).writeEntries([
      row("13:10:00", { keyId: 1, tokenId: 1, model: "a", promptTokens: 10, completionTokens: 5, costUsd: 0.25 }),
      row("13:20:00", { keyId: 1, tokenId: 1, model: "a", promptTokens: 10, completionTokens: 5, costUsd: 0.5 }),
      row("13:30:00", { keyId: 2, tokenId: 1, model: "made-up", promptTokens: 3, completionTokens: 3 }),
      row("13:40:00", { keyId: 2, model: "a", promptTokens: 1, completionTokens: 1, costUsd: 1 }),
      row("14:20:00", { keyId: 2, tokenId: 1, model: "a", status: 500 }),
      row("14:30:00", { keyId: 2, tokenId: 1, model: "a", promptTokens: 1, completionTokens: 1, costUsd: 2 }),
    ]);
    // 13:00–14:00 is a whole hour (rollups), 14:00–14:35 the partial hour at the end (raw rows).
    const range = splitRange(at("13:00:00"), at("14:35:00"));
    expect(totals(db, overAll(range))).toMatchObject({ requests: 6, costUsd: 3.75, unpriced: 1 });
    expect(totals(db, { ...range, tokenId: 1 })).toMatchObject({ requests: 5, costUsd: 2.75, unpriced: 1 });
    expect(Object.fromEntries(perToken(db, overAll(range)).map(({ tokenId, requests, costUsd, unpriced }) => [String(tokenId), [requests, costUsd, unpriced]]))).toEqual({
      "1": [5, 2.75, 1],
      null: [1, 1, 0],
    });
  });

  it("read whole hours from the rollups: they outlive pruned log rows", () => {
    db.prepare(`DELETE FROM "RequestLog"`).run();
    expect(totals(db, overAll(RANGE))).toEqual({ requests: 3, errors: 2, promptTokens: 4, completionTokens: 5, latencyMs: 41, costUsd: 0, unpriced: expect.any(Number) });
  });
});
