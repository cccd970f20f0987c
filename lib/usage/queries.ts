import { z } from "zod";
import { db } from "../db";
import { maskKey } from "../crypto/mask";
import { notFound } from "../http/errors";
import { idParam } from "../http/params";
import type { Prisma } from "../generated/prisma/client";

export const logQuerySchema = z.object({
  keyId: idParam.optional(),
  tokenId: idParam.optional(),
  requestId: z.string().max(100).optional(),
  model: z.string().max(200).optional(),
  status: z.union([z.enum(["success", "error"]), z.coerce.number().int().min(100).max(599)]).optional(),
  source: z.enum(["v1", "playground"]).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).max(10_000, "page goes up to 10000; narrow the filters (from, to, model, keyId) instead").default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type LogQuery = z.infer<typeof logQuerySchema>;

/** A row of the request log as the API shows it: its stored fields, the time as ISO text, the key masked. */
export type LogSummary = Omit<SummaryRow, "key" | "createdAt"> & { createdAt: string; maskedKey: string | null; keyName: string | null };
export type LogDetail = LogSummary & { requestBody: string | null; responseBody: string | null };

// A stream that broke off after its 200 is an error: its row carries the error.
const SUCCESS: Prisma.RequestLogWhereInput = { status: { lt: 400 }, error: null };
const FAILURE: Prisma.RequestLogWhereInput = { OR: [{ status: { gte: 400 } }, { error: { not: null } }] };

function statusFilter(status: LogQuery["status"]): Prisma.RequestLogWhereInput {
  if (status === undefined) return {};
  if (status === "success") return SUCCESS;
  if (status === "error") return FAILURE;
  return { status };
}

export type UsageFilter = Omit<LogQuery, "page" | "pageSize">;

export function logWhere(query: UsageFilter): Prisma.RequestLogWhereInput {
  return {
    ...(query.keyId !== undefined ? { keyId: query.keyId } : {}),
    ...(query.tokenId !== undefined ? { tokenId: query.tokenId } : {}),
    ...(query.model ? { model: query.model } : {}),
    ...(query.requestId ? { requestId: query.requestId } : {}),
    ...statusFilter(query.status),
    ...(query.source ? { source: query.source } : {}),
    ...(query.from || query.to
      ? { createdAt: { ...(query.from ? { gte: new Date(query.from) } : {}), ...(query.to ? { lt: new Date(query.to) } : {}) } }
      : {}),
  };
}

export const summarySelect = {
  id: true, createdAt: true, keyId: true, tokenId: true, source: true, method: true, endpoint: true, model: true,
  stream: true, status: true, attempts: true, latencyMs: true, ttfbMs: true, promptTokens: true,
  completionTokens: true, cachedTokens: true, reasoningTokens: true, costUsd: true, error: true, requestId: true, upstreamRequestId: true,
  key: { select: { name: true, last4: true } },
} as const;

type SummaryRow = Prisma.RequestLogGetPayload<{ select: typeof summarySelect }>;

export function toSummary({ key, createdAt, ...row }: SummaryRow): LogSummary {
  return { ...row, createdAt: createdAt.toISOString(), maskedKey: key ? maskKey(key.last4) : null, keyName: key?.name ?? null };
}

/** The request log, newest first. */
export async function listRequestLog(query: LogQuery): Promise<{ data: LogSummary[]; total: number; page: number; pageSize: number }> {
  const filter = logWhere(query);
  const [rows, total] = await Promise.all([
    db.requestLog.findMany({
      where: filter,
      orderBy: { id: "desc" },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
      select: summarySelect,
    }),
    db.requestLog.count({ where: filter }),
  ]);
  return { data: rows.map(toSummary), total, page: query.page, pageSize: query.pageSize };
}

export async function getLogEntry(id: number): Promise<LogDetail> {
  const row = await db.requestLog.findUnique({ where: { id }, select: { ...summarySelect, requestBody: true, responseBody: true } });
  if (!row) throw notFound(`No request log entry with id ${id}.`);
  const { requestBody, responseBody, ...summary } = row;
  return { ...toSummary(summary), requestBody, responseBody };
}
