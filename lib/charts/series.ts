import type { Bucket, SeriesPoint } from "../usage/series";

export type ChartDataset = { label: string; data: number[]; color: string };
export type ChartData = { labels: string[]; datasets: ChartDataset[] };

export const COLORS = { requests: "#2f6fed", errors: "#d64545", prompt: "#8e6cef", completion: "#1f9d55" } as const;

/** Axis label for a bucket start, in the viewer's time zone. */
export function bucketLabel(iso: string, bucket: Bucket, locale: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions =
    bucket === "hour" ? { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false } : { year: "numeric", month: "2-digit", day: "2-digit" };
  return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(new Date(iso));
}

type Names = { requests: string; errors: string; prompt: string; completion: string };

export function trafficChart(series: readonly SeriesPoint[], bucket: Bucket, locale: string, names: Names, timeZone?: string): ChartData {
  return {
    labels: series.map((point) => bucketLabel(point.time, bucket, locale, timeZone)),
    datasets: [
      { label: names.requests, data: series.map((point) => point.requests), color: COLORS.requests },
      { label: names.errors, data: series.map((point) => point.errors), color: COLORS.errors },
    ],
  };
}

export function tokenChart(series: readonly SeriesPoint[], bucket: Bucket, locale: string, names: Names, timeZone?: string): ChartData {
  return {
    labels: series.map((point) => bucketLabel(point.time, bucket, locale, timeZone)),
    datasets: [
      { label: names.prompt, data: series.map((point) => point.promptTokens), color: COLORS.prompt },
      { label: names.completion, data: series.map((point) => point.completionTokens), color: COLORS.completion },
    ],
  };
}

type Row = { requests: number; errors: number };

/** Requests split into successes and errors per group, biggest first, at most `limit` groups. */
export function breakdownChart<T extends Row>(rows: readonly T[], labelOf: (row: T) => string, names: Names, limit = 12): ChartData {
  const top = [...rows].sort((a, b) => b.requests - a.requests).slice(0, limit);
  return {
    labels: top.map(labelOf),
    datasets: [
      { label: names.requests, data: top.map((row) => row.requests - row.errors), color: COLORS.requests },
      { label: names.errors, data: top.map((row) => row.errors), color: COLORS.errors },
    ],
  };
}
