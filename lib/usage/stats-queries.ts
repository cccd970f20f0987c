// The statistics' SQL, one small query per figure, run on the stats reader's thread
// (stats-reader.worker.ts) with its own read-only connection, never on the thread serving /v1.
import type Database from "better-sqlite3";
import type { Bucket } from "./series";
import { storedTime } from "./stored-time";

export type Aggregate = { requests: number; errors: number; promptTokens: number; completionTokens: number; latencyMs: number; costUsd: number; unpriced: number };

/**
 * A range [from, to) as the statistics read it: the whole UTC hours inside it from UsageRollup,
 * the partial hours at its edges (the current hour among them) from RequestLog, whose createdAt
 * index makes those at most two hours of rows cheap. A range inside one hour is all edge.
 */
export type SplitRange = { hoursFrom: string; hoursTo: string; headFrom: string; headTo: string; tailFrom: string; tailTo: string };
/** A range, and the one client token it is narrowed to (null: all traffic). */
type Scope = SplitRange & { tokenId: number | null };

const HOUR_MS = 3600_000;

export function splitRange(from: Date, to: Date): SplitRange {
  const firstHour = new Date(Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS);
  const lastHour = new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS);
  if (firstHour >= lastHour) {
    return { hoursFrom: storedTime(to), hoursTo: storedTime(to), headFrom: storedTime(from), headTo: storedTime(to), tailFrom: storedTime(to), tailTo: storedTime(to) };
  }
  return {
    hoursFrom: storedTime(firstHour),
    hoursTo: storedTime(lastHour),
    headFrom: storedTime(from),
    headTo: storedTime(firstHour),
    tailFrom: storedTime(lastHour),
    tailTo: storedTime(to),
  };
}

// Rollup rows and raw rows in one shape. A model of "" counts as none, as in the rollups. The
// error rule is the one the rollups are written with (a stream that broke off after its 200 is
// an error: its row carries the error).
// A raw row used tokens of a model without a price: unpriced, as the rollups count it.
const RAW_ROW = `createdAt, keyId, tokenId, NULLIF(model, ''), 1, CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 ELSE 0 END,
      COALESCE(promptTokens, 0), COALESCE(completionTokens, 0), latencyMs, COALESCE(costUsd, 0),
      CASE WHEN costUsd IS NULL AND (promptTokens IS NOT NULL OR completionTokens IS NOT NULL) THEN 1 ELSE 0 END`;
const ONE_TOKEN = `(@tokenId IS NULL OR tokenId = @tokenId)`;
const ROWS = `
  SELECT hour AS time, keyId, tokenId, NULLIF(model, '') AS model, requests, errors, promptTokens, completionTokens, latencyMs, costUsd, unpriced
    FROM "UsageRollup" WHERE hour >= @hoursFrom AND hour < @hoursTo AND ${ONE_TOKEN}
  UNION ALL
  SELECT ${RAW_ROW} FROM "RequestLog" WHERE createdAt >= @headFrom AND createdAt < @headTo AND ${ONE_TOKEN}
  UNION ALL
  SELECT ${RAW_ROW} FROM "RequestLog" WHERE createdAt >= @tailFrom AND createdAt < @tailTo AND ${ONE_TOKEN}`;

const SUMS = `COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(errors), 0) AS errors, COALESCE(SUM(promptTokens), 0) AS promptTokens,
  COALESCE(SUM(completionTokens), 0) AS completionTokens, COALESCE(SUM(latencyMs), 0) AS latencyMs,
  COALESCE(SUM(costUsd), 0) AS costUsd, COALESCE(SUM(unpriced), 0) AS unpriced`;

const TOTALS = `SELECT ${SUMS} FROM (${ROWS})`;
// Rollups keep a deleted key's id (and 0 for none); the log holds NULL for both: the join reads them alike.
const PER_KEY = `SELECT k.id AS keyId, ${SUMS} FROM (${ROWS}) AS r LEFT JOIN "Key" AS k ON k.id = r.keyId GROUP BY k.id`;
const PER_MODEL = `SELECT model, ${SUMS} FROM (${ROWS}) GROUP BY model`;
const PER_TOKEN = `SELECT t.id AS tokenId, ${SUMS} FROM (${ROWS}) AS r LEFT JOIN "AccessToken" AS t ON t.id = r.tokenId GROUP BY t.id`;
const SERIES = `SELECT strftime(@format, time) AS time, ${SUMS} FROM (${ROWS}) GROUP BY 1 ORDER BY 1`;

const BUCKET_FORMAT: Record<Bucket, string> = { hour: "%Y-%m-%dT%H:00:00Z", day: "%Y-%m-%dT00:00:00Z" };

export function totals(db: Database.Database, range: Scope): Aggregate {
  return db.prepare(TOTALS).get(range) as Aggregate;
}

export function perKey(db: Database.Database, range: Scope): (Aggregate & { keyId: number | null })[] {
  return db.prepare(PER_KEY).all(range) as (Aggregate & { keyId: number | null })[];
}

export function perModel(db: Database.Database, range: Scope): (Aggregate & { model: string | null })[] {
  return db.prepare(PER_MODEL).all(range) as (Aggregate & { model: string | null })[];
}

/** Per client token (null: requests made with the admin key or in the playground, or by a revoked token). */
export function perToken(db: Database.Database, range: Scope): (Aggregate & { tokenId: number | null })[] {
  return db.prepare(PER_TOKEN).all(range) as (Aggregate & { tokenId: number | null })[];
}

/** Sparse: only buckets with rows, each named by its UTC start ("…T13:00:00Z"); see fillSeries. */
export function series(db: Database.Database, range: Scope, bucket: Bucket): (Aggregate & { time: string })[] {
  return db.prepare(SERIES).all({ ...range, format: BUCKET_FORMAT[bucket] }) as (Aggregate & { time: string })[];
}

export type FiguresRequest = { from: Date; to: Date; bucket: Bucket; todayFrom: Date; todayTo: Date; tokenId: number | null };
export type Figures = {
  totals: Aggregate;
  today: Aggregate;
  perKey: (Aggregate & { keyId: number | null })[];
  perModel: (Aggregate & { model: string | null })[];
  perToken: (Aggregate & { tokenId: number | null })[];
  series: (Aggregate & { time: string })[];
};

/** Every figure of one statistics answer, read in one transaction so they agree with each other. */
export function figures(db: Database.Database, request: FiguresRequest): Figures {
  const { tokenId } = request;
  const range = { ...splitRange(request.from, request.to), tokenId };
  return db.transaction(() => ({
    totals: totals(db, range),
    today: totals(db, { ...splitRange(request.todayFrom, request.todayTo), tokenId }),
    perKey: perKey(db, range),
    perModel: perModel(db, range),
    perToken: perToken(db, range),
    series: series(db, range, request.bucket),
  }))();
}
