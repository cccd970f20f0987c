import { z } from "zod";
import { db } from "../db";
import { randomToken, sha256 } from "../crypto/hash";
import { notFound } from "../http/errors";
import { singleton } from "../singleton";
import { sumsOf } from "../usage/sums";
import type { AccessToken } from "../generated/prisma/client";
import { forgetToken, setTokenLimits, tokenLimitsSchema, type TokenLimits } from "./limits";

const TOKEN_PREFIX = "kp-";
const VISIBLE_PREFIX = 10;

const tokenName = z.string().trim().min(1, "name must not be empty").max(100);
export const createTokenSchema = tokenLimitsSchema.extend({ name: tokenName }).strict();
export const updateTokenSchema = tokenLimitsSchema
  .extend({ name: tokenName.optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give a name or a limit to change");

const usageSchema = z.object({ requests: z.number(), promptTokens: z.number(), completionTokens: z.number(), costUsd: z.number(), unpriced: z.number() });

export const publicTokenSchema = z.object({
  id: z.number(),
  name: z.string(),
  prefix: z.string(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
  rpm: z.number().nullable(),
  tpm: z.number().nullable(),
  models: z.array(z.string()),
  expiresAt: z.string().nullable(),
  monthlyBudgetUsd: z.number().nullable(),
  maxConcurrent: z.number().nullable(),
  /** This UTC month's use (from the hourly rollups); `unpriced`: requests of models without a price. */
  usage: usageSchema,
});
export type PublicToken = z.infer<typeof publicTokenSchema>;
type MonthUsage = z.infer<typeof usageSchema>;

const NO_USAGE: MonthUsage = { requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, unpriced: 0 };

function limitsOf(row: AccessToken): TokenLimits {
  let models: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.models);
    models = Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === "string") : [];
  } catch {
    models = [];
  }
  return { rpm: row.rpm, tpm: row.tpm, models, expiresAt: row.expiresAt, monthlyBudgetUsd: row.monthlyBudgetUsd, maxConcurrent: row.maxConcurrent };
}

const toPublic = (row: AccessToken, usage: MonthUsage = NO_USAGE): PublicToken => {
  const limits = limitsOf(row);
  return publicTokenSchema.parse({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    ...limits,
    expiresAt: limits.expiresAt?.toISOString() ?? null,
    usage,
  });
};

/** The limit columns of a create or update; fields not given stay as they are. */
function limitColumns(input: z.infer<typeof tokenLimitsSchema>) {
  return {
    ...(input.rpm !== undefined ? { rpm: input.rpm } : {}),
    ...(input.tpm !== undefined ? { tpm: input.tpm } : {}),
    ...(input.models !== undefined ? { models: JSON.stringify([...new Set(input.models)]) } : {}),
    ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt) } : {}),
    ...(input.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: input.monthlyBudgetUsd } : {}),
    ...(input.maxConcurrent !== undefined ? { maxConcurrent: input.maxConcurrent } : {}),
  };
}

const monthStart = (now = new Date()) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

/** This month's use per token, from the hourly rollups (written with the log rows). */
async function monthUsage(where: { tokenId?: number } = {}): Promise<Map<number, MonthUsage>> {
  const rows = await db.usageRollup.groupBy({
    by: ["tokenId"],
    where: { ...where, hour: { gte: monthStart() } },
    _sum: { requests: true, promptTokens: true, completionTokens: true, costUsd: true, unpriced: true },
  });
  return new Map(rows.map((row) => [row.tokenId, sumsOf(row._sum)]));
}

// /v1 authenticates every call: token hashes and limits are held in memory, loaded at boot and kept in step with every change.
const cache = singleton<{ byHash: Map<string, number> }>("tokens", () => ({ byHash: new Map() }));

export async function reloadTokens(): Promise<void> {
  const [rows, usage] = await Promise.all([db.accessToken.findMany(), monthUsage()]);
  cache.byHash = new Map(rows.map((row) => [row.hash, row.id]));
  for (const row of rows) setTokenLimits(row.id, row.name, limitsOf(row), usage.get(row.id)?.costUsd ?? 0);
}

/** The token's id when the plaintext is a live client token; `digest`: its SHA-256, when the caller has it already. */
export function tokenIdFor(plaintext: string, digest = sha256(plaintext)): number | null {
  return cache.byHash.get(digest) ?? null;
}

export async function listTokens(): Promise<PublicToken[]> {
  const [rows, usage] = await Promise.all([db.accessToken.findMany({ orderBy: { id: "desc" } }), monthUsage()]);
  return rows.map((row) => toPublic(row, usage.get(row.id)));
}

export async function createToken(input: z.infer<typeof createTokenSchema>): Promise<PublicToken & { token: string }> {
  const token = randomToken(TOKEN_PREFIX, 24);
  const row = await db.accessToken.create({ data: { name: input.name, hash: sha256(token), prefix: token.slice(0, VISIBLE_PREFIX), ...limitColumns(input) } });
  setTokenLimits(row.id, row.name, limitsOf(row), 0);
  cache.byHash.set(row.hash, row.id);
  return { ...toPublic(row), token };
}

/** Renames the token or changes its limits; the next request is held to them. */
export async function updateToken(id: number, input: z.infer<typeof updateTokenSchema>): Promise<PublicToken> {
  const exists = await db.accessToken.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw notFound(`No client token with id ${id}.`);
  const row = await db.accessToken.update({ where: { id }, data: { ...(input.name !== undefined ? { name: input.name } : {}), ...limitColumns(input) } });
  setTokenLimits(row.id, row.name, limitsOf(row));
  return toPublic(row, (await monthUsage({ tokenId: id })).get(id));
}

export async function revokeToken(id: number): Promise<void> {
  const row = await db.accessToken.delete({ where: { id } });
  cache.byHash.delete(row.hash);
  forgetToken(id);
}
