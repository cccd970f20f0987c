import { APIError } from "openai";
import { db } from "../db";
import { env } from "../env";
import { notFound } from "../http/errors";
import { classify } from "../proxy/classify";
import { scrubKeys } from "../proxy/scrub";
import { upstreamClient } from "../upstream-client";
import { poolKeys, reloadPool } from "./pool";
import { getKey } from "./queries";
import type { PublicKey } from "./schemas";
import type { KeyStatus } from "./status";

type CheckOutcome = { status: KeyStatus | null; coolingUntil: Date | null; error: string | null };

/** Lists models with the key: the cheapest call that proves the key is accepted. */
async function probe(apiKey: string): Promise<CheckOutcome> {
  try {
    await upstreamClient(apiKey, 15_000).models.list();
    return { status: "active", coolingUntil: null, error: null };
  } catch (error) {
    if (!(error instanceof APIError) || error.status === undefined) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: null, coolingUntil: null, error: scrubKeys(`check failed: ${message}`) };
    }
    const body = JSON.stringify({ error: error.error ?? {} });
    const headers = error.headers ?? new Headers();
    const verdict = classify(error.status, headers, body, Date.now(), env().COOLDOWN_SECONDS * 1000);
    const message = scrubKeys(`${error.status}: ${error.message}`).slice(0, 500);
    if (verdict.kind === "invalid" || verdict.kind === "exhausted") return { status: verdict.kind, coolingUntil: null, error: message };
    if (verdict.kind === "cooling") return { status: "cooling", coolingUntil: new Date(verdict.untilMs), error: message };
    return { status: null, coolingUntil: null, error: message };
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
