import { z } from "zod";
import { db } from "../db";
import { maskKey } from "../crypto/mask";
import { KEY_STATUSES, isEligible, type KeyStatus } from "../keys/status";
import { badRequest } from "../http/errors";
import { idParam } from "../http/params";
import { readFigures } from "./stats-reader";
import type { Aggregate } from "./stats-queries";
import { fillSeries, type Bucket, type SeriesPoint } from "./series";

export const statsQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  bucket: z.enum(["hour", "day"]).optional(),
  /** Only this client token's traffic. */
  tokenId: idParam.optional(),
});

/** The longest range one statistics call covers, and the longest in hourly buckets (documented in the README). */
const MAX_RANGE_DAYS = 366;
const MAX_HOURLY_DAYS = 92;

type Totals = { requests: number; errors: number; errorRate: number; promptTokens: number; completionTokens: number; avgLatencyMs: number; costUsd: number; unpriced: number };
/** `costUsd` sums the priced requests; `unpriced` counts those that used tokens of a model without a price. */
type Counts = { requests: number; errors: number; promptTokens: number; completionTokens: number; costUsd: number; unpriced: number };

function totalsOf(row: Aggregate): Totals {
  return {
    requests: row.requests,
    errors: row.errors,
    errorRate: row.requests === 0 ? 0 : row.errors / row.requests,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    avgLatencyMs: row.requests === 0 ? 0 : Math.round(row.latencyMs / row.requests),
    costUsd: row.costUsd,
    unpriced: row.unpriced,
  };
}

const counts = ({ requests, errors, promptTokens, completionTokens, costUsd, unpriced }: Aggregate): Counts => ({ requests, errors, promptTokens, completionTokens, costUsd, unpriced });

export type Stats = {
  range: { from: string; to: string; bucket: Bucket };
  totals: Totals;
  today: Totals;
  keys: Record<KeyStatus | "total" | "usable", number>;
  perKey: (Counts & { keyId: number | null; name: string | null; maskedKey: string | null })[];
  perModel: (Counts & { model: string | null })[];
  perToken: (Counts & { tokenId: number | null; name: string | null })[];
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

  // The figures come from the stats reader's thread; the keys table is small and read here.
  const [figures, keys, tokens] = await Promise.all([
    readFigures({ from, to, bucket, todayFrom: midnight, todayTo: new Date(now.getTime() + 1), tokenId: query.tokenId ?? null }),
    db.key.findMany({ select: { id: true, name: true, last4: true, status: true, coolingUntil: true } }),
    db.accessToken.findMany({ select: { id: true, name: true } }),
  ]);
  const tokenNames = new Map(tokens.map((token) => [token.id, token.name]));

  const keyCounts = Object.fromEntries(KEY_STATUSES.map((status) => [status, 0])) as Record<KeyStatus, number>;
  for (const key of keys) keyCounts[key.status as KeyStatus] += 1;
  const usable = keys.filter((key) => isEligible({ status: key.status as KeyStatus, coolingUntil: key.coolingUntil }, now.getTime())).length;
  const keyById = new Map(keys.map((key) => [key.id, key]));

  return {
    range: { from: from.toISOString(), to: to.toISOString(), bucket },
    totals: totalsOf(figures.totals),
    today: totalsOf(figures.today),
    keys: { ...keyCounts, total: keys.length, usable },
    perKey: figures.perKey
      .map((row) => {
        const key = row.keyId === null ? undefined : keyById.get(row.keyId);
        return { ...counts(row), keyId: row.keyId, name: key?.name ?? null, maskedKey: key ? maskKey(key.last4) : null };
      })
      .sort((a, b) => b.requests - a.requests),
    perModel: figures.perModel.map((row) => ({ ...counts(row), model: row.model })).sort((a, b) => b.requests - a.requests),
    perToken: figures.perToken
      .map((row) => ({ ...counts(row), tokenId: row.tokenId, name: row.tokenId === null ? null : (tokenNames.get(row.tokenId) ?? null) }))
      .sort((a, b) => b.requests - a.requests),
    series: fillSeries(
      figures.series.map((row) => ({ ...counts(row), time: row.time })),
      from,
      to,
      bucket,
    ),
  };
}
