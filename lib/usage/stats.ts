import { z } from "zod";
import { db } from "../db";
import { maskKey } from "../crypto/mask";
import { KEY_STATUSES, isEligible, type KeyStatus } from "../keys/status";
import { badRequest } from "../http/errors";
import { storedTime } from "./stored-time";
import { fillSeries, type Bucket, type SeriesPoint } from "./series";

export const statsQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  bucket: z.enum(["hour", "day"]).optional(),
});

/** The longest range one statistics call covers, and the longest in hourly buckets (documented in the README). */
export const MAX_RANGE_DAYS = 366;
export const MAX_HOURLY_DAYS = 92;

type Totals = { requests: number; errors: number; errorRate: number; promptTokens: number; completionTokens: number; avgLatencyMs: number };
type Aggregate = { requests: number; errors: number; promptTokens: number; completionTokens: number };

function totalsOf(row: { requests: number; errors: number; promptTokens: number; completionTokens: number; latency: number }): Totals {
  return {
    requests: row.requests,
    errors: row.errors,
    errorRate: row.requests === 0 ? 0 : row.errors / row.requests,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    avgLatencyMs: row.requests === 0 ? 0 : Math.round(row.latency / row.requests),
  };
}

// SQLite hands back integers as bigint through the adapter for SUM/COUNT; charts want plain numbers.
const num = (value: unknown) => Number(value ?? 0);

// A stream that broke off after its 200 is an error too: its row carries the error.
const AGGREGATES = `COUNT(*) AS requests, SUM(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 ELSE 0 END) AS errors,
  COALESCE(SUM(promptTokens), 0) AS promptTokens, COALESCE(SUM(completionTokens), 0) AS completionTokens,
  COALESCE(SUM(latencyMs), 0) AS latency`;

type RawAggregate = { requests: unknown; errors: unknown; promptTokens: unknown; completionTokens: unknown; latency: unknown };
const toAggregate = (row: RawAggregate | undefined) => ({
  requests: num(row?.requests),
  errors: num(row?.errors),
  promptTokens: num(row?.promptTokens),
  completionTokens: num(row?.completionTokens),
  latency: num(row?.latency),
});

async function aggregate(from: Date, to: Date, groupBy?: "keyId" | "model" | Bucket): Promise<(ReturnType<typeof toAggregate> & { group: unknown })[]> {
  const group =
    groupBy === "hour" ? `strftime('%Y-%m-%dT%H:00:00Z', createdAt)` : groupBy === "day" ? `strftime('%Y-%m-%dT00:00:00Z', createdAt)` : groupBy;
  const sql = `SELECT ${group ? `${group} AS grp,` : ""} ${AGGREGATES} FROM RequestLog WHERE createdAt >= ? AND createdAt < ?${group ? ` GROUP BY grp` : ""}`;
  const rows = await db.$queryRawUnsafe<(RawAggregate & { grp?: unknown })[]>(sql, storedTime(from), storedTime(to));
  return rows.map((row) => ({ ...toAggregate(row), group: row.grp }));
}

export type Stats = {
  range: { from: string; to: string; bucket: Bucket };
  totals: Totals;
  today: Totals;
  keys: Record<KeyStatus | "total" | "usable", number>;
  perKey: (Aggregate & { keyId: number | null; name: string | null; maskedKey: string | null })[];
  perModel: (Aggregate & { model: string | null })[];
  series: SeriesPoint[];
};

export async function getStats(query: z.infer<typeof statsQuerySchema>, now = new Date()): Promise<Stats> {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 24 * 3600_000);
  if (from >= to) throw badRequest("from must be before to", "from");
  const bucket: Bucket = query.bucket ?? (to.getTime() - from.getTime() > 3 * 86_400_000 ? "day" : "hour");
  const days = (to.getTime() - from.getTime()) / 86_400_000;
  if (days > MAX_RANGE_DAYS) throw badRequest(`The range from ${from.toISOString()} to ${to.toISOString()} is longer than ${MAX_RANGE_DAYS} days; ask for a shorter one.`, "from");
  if (bucket === "hour" && days > MAX_HOURLY_DAYS) throw badRequest(`Hourly buckets cover at most ${MAX_HOURLY_DAYS} days; use bucket=day or a shorter range.`, "bucket");
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

  const [total, today, byKey, byModel, byTime, keys] = await Promise.all([
    aggregate(from, to),
    aggregate(midnight, new Date(now.getTime() + 1)),
    aggregate(from, to, "keyId"),
    aggregate(from, to, "model"),
    aggregate(from, to, bucket),
    db.key.findMany({ select: { id: true, name: true, last4: true, status: true, coolingUntil: true } }),
  ]);

  const keyCounts = Object.fromEntries(KEY_STATUSES.map((status) => [status, 0])) as Record<KeyStatus, number>;
  for (const key of keys) keyCounts[key.status as KeyStatus] += 1;
  const usable = keys.filter((key) => isEligible({ status: key.status as KeyStatus, coolingUntil: key.coolingUntil }, now.getTime())).length;
  const keyById = new Map(keys.map((key) => [key.id, key]));
  const strip = ({ latency: _latency, group: _group, ...rest }: ReturnType<typeof toAggregate> & { group: unknown }) => rest;

  return {
    range: { from: from.toISOString(), to: to.toISOString(), bucket },
    totals: totalsOf(total[0] ?? toAggregate(undefined)),
    today: totalsOf(today[0] ?? toAggregate(undefined)),
    keys: { ...keyCounts, total: keys.length, usable },
    perKey: byKey
      .map((row) => {
        const keyId = row.group === null ? null : num(row.group);
        const key = keyId === null ? undefined : keyById.get(keyId);
        return { ...strip(row), keyId, name: key?.name ?? null, maskedKey: key ? maskKey(key.last4) : null };
      })
      .sort((a, b) => b.requests - a.requests),
    perModel: byModel.map((row) => ({ ...strip(row), model: typeof row.group === "string" ? row.group : null })).sort((a, b) => b.requests - a.requests),
    series: fillSeries(
      byTime.map((row) => ({ ...strip(row), time: String(row.group) })),
      from,
      to,
      bucket,
    ),
  };
}
