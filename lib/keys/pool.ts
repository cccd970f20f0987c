import { db } from "../db";
import { decrypt } from "../crypto/cipher";
import { secret } from "../crypto/secret";
import { singleton } from "../singleton";
import { recordKeyUpdate } from "../usage/request-log";
import { modelSet, parseRefusals } from "./capabilities";
import type { Key } from "../generated/prisma/client";
import type { KeyStatus, PoolKey } from "./status";

type PoolState = { keys: PoolKey[]; loaded: Promise<void> | null };

const state = singleton<PoolState>("keyPool", () => ({ keys: [], loaded: null }));

/** What the pool keeps of a key row besides its decrypted key. */
type StoredKey = Pick<Key, "id" | "name" | "cipher" | "last4" | "status" | "coolingUntil" | "lastError" | "modelsSyncedAt" | "refusals" | "rpm" | "dailyBudgetUsd"> & { models?: { model: string }[] };

function toPoolKey(row: StoredKey): PoolKey {
  return {
    id: row.id,
    name: row.name,
    apiKey: decrypt(row.cipher, secret()),
    last4: row.last4,
    status: row.status as KeyStatus,
    coolingUntil: row.coolingUntil,
    lastError: row.lastError,
    caps: { rpm: row.rpm, dailyBudgetUsd: row.dailyBudgetUsd },
    models: row.modelsSyncedAt ? modelSet((row.models ?? []).map((entry) => entry.model)) : null,
    refusals: parseRefusals(row.refusals),
  };
}

async function loadFromDb(): Promise<void> {
  const rows = await db.key.findMany({ orderBy: { id: "asc" }, include: { models: { select: { model: true } } } });
  state.keys = rows.map(toPoolKey);
}

/** The pool in memory, ordered by id; loaded once, then kept in step with every change (addToPool, refreshInPool, removeFromPool). */
export async function poolKeys(): Promise<readonly PoolKey[]> {
  state.loaded ??= loadFromDb();
  await state.loaded;
  return state.keys;
}

/** The pool as loaded at boot and after every change; for the request path, which must not wait. */
export function currentKeys(): readonly PoolKey[] {
  return state.keys;
}

export function poolKey(id: number): PoolKey | undefined {
  return state.keys.find((key) => key.id === id);
}

/** Seconds until the first cooling key is back, so clients that honour Retry-After wait just enough. */
export function nextCoolingEnd(now: number): number | null {
  const ends = state.keys.filter((key) => key.status === "cooling" && key.coolingUntil).map((key) => (key.coolingUntil as Date).getTime() - now);
  return ends.length === 0 ? null : Math.max(1, Math.ceil(Math.min(...ends) / 1000));
}

/** Keys just stored join the pool; only they are decrypted. */
export function addToPool(rows: readonly StoredKey[]): void {
  state.keys = [...state.keys, ...rows.map(toPoolKey)].sort((a, b) => a.id - b.id);
}

/** A key changed by the admin (name, status, verdict): its entry follows the row, its key and model list stay. */
export function refreshInPool(row: Pick<Key, "id" | "name" | "status" | "coolingUntil" | "lastError" | "refusals" | "rpm" | "dailyBudgetUsd">): void {
  const key = state.keys.find((candidate) => candidate.id === row.id);
  if (!key) return;
  key.name = row.name;
  key.status = row.status as KeyStatus;
  key.coolingUntil = row.coolingUntil;
  key.lastError = row.lastError;
  key.caps = { rpm: row.rpm, dailyBudgetUsd: row.dailyBudgetUsd };
  key.refusals = parseRefusals(row.refusals);
}

export function removeFromPool(id: number): void {
  state.keys = state.keys.filter((key) => key.id !== id);
}

/**
 * Records a health change seen by the proxy or a sync: memory first (the next pick sees it at
 * once), stored with the next batch of log rows by the writer thread, off the request's path. A key the admin disabled stays disabled,
 * whatever a request that was already under way learns about it.
 */
export function markKey(id: number, status: KeyStatus, coolingUntil: Date | null, lastError: string | null): void {
  const key = state.keys.find((candidate) => candidate.id === id);
  if (key?.status === "disabled") return;
  if (key) {
    key.status = status;
    key.coolingUntil = coolingUntil;
    if (lastError !== null) key.lastError = lastError;
  }
  recordKeyUpdate(id, { state: { status, coolingUntil, lastError } });
}
