import { APIError } from "openai";
import { db } from "../db";
import { notFound } from "../http/errors";
import { scrubKeys } from "../proxy/scrub";
import { upstreamClient } from "../upstream-client";
import { poolKeys, reloadPool } from "./pool";
import { getKey } from "./queries";
import type { PublicKey } from "./schemas";
import type { KeyStatus } from "./status";
import { keyVerdictOf } from "./verdict";

type CheckOutcome = { status: KeyStatus | null; coolingUntil: Date | null; error: string | null };

/** Lists models with the key: the cheapest call that proves the key is accepted. */
async function probe(apiKey: string): Promise<CheckOutcome> {
  try {
    await upstreamClient(apiKey, 15_000).models.list();
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
  const outcome = await probe(key.apiKey);
  const keepStatus = key.status === "disabled" || outcome.status === null;
  await db.key.update({
    where: { id },
    data: {
      lastCheckedAt: new Date(),
      lastError: outcome.error,
      ...(keepStatus ? {} : { status: outcome.status ?? key.status, coolingUntil: outcome.coolingUntil }),
    },
  });
  await reloadPool();
  return getKey(id);
}
