export type Bucket = "hour" | "day";
export type SeriesPoint = { time: string; requests: number; errors: number; promptTokens: number; completionTokens: number; costUsd: number; unpriced: number };

const STEP_MS: Record<Bucket, number> = { hour: 3600_000, day: 86_400_000 };

/** The UTC start of the bucket holding `date`. */
export function bucketStart(date: Date, bucket: Bucket): Date {
  const start = new Date(date);
  start.setUTCMinutes(0, 0, 0);
  if (bucket === "day") start.setUTCHours(0);
  return start;
}

/** Sparse rows from SQL → one point per bucket from `from` to `to`, empty buckets as zeros. */
export function fillSeries(rows: readonly SeriesPoint[], from: Date, to: Date, bucket: Bucket): SeriesPoint[] {
  const byTime = new Map(rows.map((row) => [new Date(row.time).getTime(), row]));
  const points: SeriesPoint[] = [];
  for (let time = bucketStart(from, bucket).getTime(); time < to.getTime(); time += STEP_MS[bucket]) {
    const row = byTime.get(time);
    points.push({
      time: new Date(time).toISOString(),
      requests: row?.requests ?? 0,
      errors: row?.errors ?? 0,
      promptTokens: row?.promptTokens ?? 0,
      completionTokens: row?.completionTokens ?? 0,
      costUsd: row?.costUsd ?? 0,
      unpriced: row?.unpriced ?? 0,
    });
  }
  return points;
}
