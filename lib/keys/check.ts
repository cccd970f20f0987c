import { APIError } from "openai";
import { db } from "../db";
import { notFound } from "../http/errors";
import { scrubKeys } from "../proxy/scrub";
import { upstreamClient } from "../upstream-client";
import { poolKeys, refreshInPool } from "./pool";
import { getKey } from "./queries";
import type { PublicKey } from "./schemas";
import type { KeyStatus } from "./status";
import { keyVerdictOf } from "./verdict";

type CheckOutcome = { status: KeyStatus | null; coolingUntil: Date | null; error: string | null };

/** A chat model every project can use, asked for one token: what a spent quota refuses. */
const QUOTA_PROBE_MODEL = "gpt-4o-mini";

/**
 * The cheapest call that proves the key is accepted: listing models, or, for a key whose quota
 * ran out, a one-token chat (listing models works on an empty quota too).
 */
async function probe(apiKey: string, quota: boolean): Promise<CheckOutcome> {
  try {
    const client = upstreamClient(apiKey, 15_000);
    if (quota) await client.chat.completions.create({ model: QUOTA_PROBE_MODEL, messages: [{ role: "user", content: "." }], max_tokens: 1 });
    else await client.models.list();
    return { status: "active", coolingUntil: null, error: null };
  } catch (error) {
    const detail = error instanceof APIError && error.status !== undefined ? `${error.status}: ${error.message}` : `check failed: ${error instanceof Error ? error.message : String(error)}`;
    const verdict = keyVerdictOf(error);
    return { status: verdict?.status ?? null, coolingUntil: verdict?.coolingUntil ?? null, error: scrubKeys(detail).slice(0, 500) };
  }
}

/** Tries the key upstream and stores the verdict; a key disabled by hand stays disabled. */
export async function checkKey(id: number): Promise<PublicKey> {
  const key = (await poolKeys()).find((candidate) => candidate.id === id);
  if (!key) throw notFound(`No key with id ${id}.`);
  const outcome = await probe(key.apiKey, key.status === "exhausted");
  // What the check found is recorded; the status changes only on a key still enabled (it may
  // have been disabled while the probe ran).
  await db.$transaction([
    // A key that passes its check is given another chance at what it was refused (its permissions may have changed).
    db.key.update({ where: { id }, data: { lastCheckedAt: new Date(), lastError: outcome.error, ...(outcome.status === "active" ? { refusals: "{}" } : {}) } }),
    ...(outcome.status === null ? [] : [db.key.updateMany({ where: { id, status: { not: "disabled" } }, data: { status: outcome.status, coolingUntil: outcome.coolingUntil } })]),
  ]);
  const row = await db.key.findUnique({ where: { id } });
  if (row) refreshInPool(row);
  return getKey(id);
}
