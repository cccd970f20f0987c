import { z } from "zod";
import { db } from "../db";
import { csvLine, type CsvValue } from "./csv";
import { summarySelect, toSummary, logQuerySchema, logWhere, type LogSummary, type UsageFilter } from "./queries";

/** Rows read per query while the file streams out, so a large log never sits in memory whole. */
const PAGE_ROWS = 1000;
/** The most rows one export holds; a longer log is cut (newest kept) and says so in X-KeyPool-Truncated. */
const EXPORT_MAX_ROWS = 100_000;

export const exportQuerySchema = logQuerySchema.omit({ page: true, pageSize: true }).extend({
  /** Fewer rows than the bound, if wanted. */
  limit: z.coerce.number().int().min(1).max(EXPORT_MAX_ROWS).default(EXPORT_MAX_ROWS),
});
export type ExportQuery = z.infer<typeof exportQuerySchema>;

const COLUMNS = [
  "id", "createdAt", "requestId", "source", "method", "endpoint", "model", "stream", "status", "attempts",
  "latencyMs", "ttfbMs", "promptTokens", "completionTokens", "keyId", "key", "tokenId", "error",
] as const;

function cells(row: LogSummary): CsvValue[] {
  return [
    row.id, row.createdAt, row.requestId, row.source, row.method, row.endpoint, row.model, row.stream, row.status, row.attempts,
    row.latencyMs, row.ttfbMs, row.promptTokens, row.completionTokens, row.keyId, row.maskedKey, row.tokenId, row.error,
  ];
}

/** "2025-01-02T03:04:05.000Z" → "20250102T030405Z": no characters a file system refuses. */
const stamp = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}/, "").replace(/[-:]/g, "");

export type LogExport = { filename: string; truncated: boolean; body: ReadableStream<Uint8Array> };

/**
 * The request log as CSV, newest first, without bodies: read page by page (keyset on id, below
 * the newest row seen at the start, so rows written meanwhile neither shift pages nor slip in).
 */
export async function exportLog({ limit, ...filter }: ExportQuery): Promise<LogExport> {
  const where = logWhere(filter);
  const newest = await db.requestLog.findFirst({ where, orderBy: { id: "desc" }, select: { id: true } });
  const beyond = newest ? await db.requestLog.findFirst({ where: { AND: [where, { id: { lte: newest.id } }] }, orderBy: { id: "desc" }, skip: limit, select: { id: true } }) : null;
  return { filename: filename(filter), truncated: beyond !== null, body: stream(where, newest?.id ?? 0, limit) };
}

function filename({ from, to }: UsageFilter): string {
  return `keypool-requests-${from ? stamp(from) : "start"}-${stamp(to ?? new Date().toISOString())}.csv`;
}

function stream(where: ReturnType<typeof logWhere>, newestId: number, limit: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let below = newestId + 1;
  let left = limit;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine(COLUMNS)));
        return;
      }
      const rows = left > 0 && newestId > 0
        ? await db.requestLog.findMany({ where: { AND: [where, { id: { lt: below } }] }, orderBy: { id: "desc" }, take: Math.min(PAGE_ROWS, left), select: summarySelect })
        : [];
      if (rows.length === 0) return controller.close();
      left -= rows.length;
      below = rows.at(-1)?.id ?? below;
      controller.enqueue(encoder.encode(rows.map((row) => csvLine(cells(toSummary(row)))).join("")));
    },
  });
}
