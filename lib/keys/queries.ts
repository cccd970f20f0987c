import { db } from "../db";
import { encrypt } from "../crypto/cipher";
import { sha256 } from "../crypto/hash";
import { lastFour, maskKey } from "../crypto/mask";
import { secret } from "../crypto/secret";
import { badRequest, notFound } from "../http/errors";
import { isWellFormedKey, splitPasted } from "./parse";
import { syncNewKeys } from "../models/sync";
import { sumsOf } from "../usage/sums";
import { parseRefusals } from "./capabilities";
import { discardKeyUpdate } from "../usage/request-log";
import { addToPool, poolKey, refreshInPool, removeFromPool } from "./pool";
import type { z } from "zod";
import { capRest, forgetKeyUse } from "./caps";
import { MAX_KEYS_PER_CALL, publicKeySchema, updateKeySchema, type PublicKey } from "./schemas";
import type { PoolKey } from "./status";
import type { Key } from "../generated/prisma/client";

type UsageTotals = PublicKey["usage"];
const NO_USAGE: UsageTotals = { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0 };

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Rows read with the number of models the key lists. */
const WITH_MODEL_COUNT = { _count: { select: { models: true } } } as const;
type KeyRow = Key & { _count?: { models: number } };

function restOf(key: PoolKey | undefined): PublicKey["resting"] {
  const rest = key ? capRest(key) : null;
  return rest ? { until: rest.until.toISOString(), reason: rest.reason } : null;
}

/**
 * A key as the admin sees it. Its health comes from the pool in memory when the key is there:
 * that is what routing uses, and the database learns it with the next batch of log rows.
 */
function toPublic(row: KeyRow, usage: UsageTotals = NO_USAGE): PublicKey {
  const live = poolKey(row.id);
  return publicKeySchema.parse({
    id: row.id,
    name: row.name,
    maskedKey: maskKey(row.last4),
    status: live?.status ?? row.status,
    coolingUntil: iso(live ? live.coolingUntil : row.coolingUntil),
    lastError: live ? live.lastError : row.lastError,
    lastUsedAt: iso(row.lastUsedAt),
    lastCheckedAt: iso(row.lastCheckedAt),
    models: row.modelsSyncedAt ? (row._count?.models ?? 0) : null,
    refused: [...(live?.refusals ?? parseRefusals(row.refusals)).keys()],
    rpm: row.rpm,
    dailyBudgetUsd: row.dailyBudgetUsd,
    resting: restOf(live),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    usage,
  });
}

async function usageByKey(where: { keyId?: number } = {}): Promise<Map<number, UsageTotals>> {
  const rows = await db.usageStat.groupBy({
    by: ["keyId"],
    where,
    _sum: { requests: true, errors: true, promptTokens: true, completionTokens: true },
  });
  return new Map(rows.map((row) => [row.keyId, sumsOf(row._sum)]));
}

export async function listKeys(): Promise<PublicKey[]> {
  const [rows, usage] = await Promise.all([db.key.findMany({ orderBy: { id: "asc" }, include: WITH_MODEL_COUNT }), usageByKey()]);
  return rows.map((row) => toPublic(row, usage.get(row.id)));
}

export async function getKey(id: number): Promise<PublicKey> {
  const [row, usage] = await Promise.all([db.key.findUnique({ where: { id }, include: WITH_MODEL_COUNT }), usageByKey({ keyId: id })]);
  if (!row) throw notFound(`No key with id ${id}.`);
  return toPublic(row, usage.get(id));
}

export type AddKeysResult = {
  added: PublicKey[];
  duplicates: string[];
  malformed: string[];
};

/** Keys written per transaction; between two, other requests are served. */
const INSERT_CHUNK = 500;

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Adds keys, skipping ones already stored (or repeated in the same paste) and reporting malformed ones masked. */
export async function addKeys(candidates: string[], name?: string): Promise<AddKeysResult> {
  if (candidates.length > MAX_KEYS_PER_CALL) {
    throw badRequest(
      `At most ${MAX_KEYS_PER_CALL.toLocaleString("en")} keys per call; this one has ${candidates.length.toLocaleString("en")}. Nothing was added: split the list and add it in parts.`,
      null,
      "too_many_keys",
    );
  }
  const result: AddKeysResult = { added: [], duplicates: [], malformed: [] };
  const seen = new Set<string>();
  const fresh: { apiKey: string; hash: string }[] = [];
  for (const candidate of candidates) {
    if (!isWellFormedKey(candidate)) {
      result.malformed.push(maskCandidate(candidate));
      continue;
    }
    const hash = sha256(candidate);
    if (seen.has(hash)) {
      result.duplicates.push(maskKey(lastFour(candidate)));
      continue;
    }
    seen.add(hash);
    fresh.push({ apiKey: candidate, hash });
  }
  for (let start = 0; start < fresh.length; start += INSERT_CHUNK) {
    if (start > 0) await yieldToOthers();
    const chunk = fresh.slice(start, start + INSERT_CHUNK);
    const existing = new Set((await db.key.findMany({ where: { hash: { in: chunk.map((item) => item.hash) } }, select: { hash: true } })).map((row) => row.hash));
    for (const item of chunk) if (existing.has(item.hash)) result.duplicates.push(maskKey(lastFour(item.apiKey)));
    const rows = await db.key.createManyAndReturn({
      data: chunk
        .filter((item) => !existing.has(item.hash))
        .map((item) => ({ name: name ?? "", cipher: encrypt(item.apiKey, secret()), hash: item.hash, last4: lastFour(item.apiKey) })),
    });
    // Each part serves as soon as it is stored; only the new keys are decrypted into the pool.
    addToPool(rows);
    result.added.push(...rows.map((row) => toPublic(row)));
  }
  syncNewKeys(result.added.map((key) => key.id));
  return result;
}

function maskCandidate(candidate: string): string {
  if (candidate.length <= 8) return "…".padStart(Math.min(candidate.length, 3), "*");
  return `${candidate.slice(0, 3)}…${candidate.slice(-4)}`;
}

export function candidatesFrom(body: { key: string } | { keys: string[] } | { text: string }): string[] {
  if ("key" in body) return [body.key];
  if ("keys" in body) return body.keys.flatMap(splitPasted);
  return splitPasted(body.text);
}

export async function updateKey(id: number, changes: z.infer<typeof updateKeySchema>): Promise<PublicKey> {
  if (changes.status !== undefined) discardKeyUpdate(id);
  const row = await db.key.update({
    where: { id },
    include: WITH_MODEL_COUNT,
    // Re-enabling by hand clears the health verdict the proxy reached, and what the key was refused.
    data: { ...changes, ...(changes.status === "active" ? { coolingUntil: null, lastError: null, refusals: "{}" } : {}) },
  });
  refreshInPool(row);
  return toPublic(row);
}

export async function deleteKey(id: number): Promise<void> {
  await db.key.delete({ where: { id } });
  removeFromPool(id);
  forgetKeyUse(id);
}
