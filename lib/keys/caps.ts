import { db } from "../db";
import { nowMs } from "../clock";
import { singleton } from "../singleton";
import type { PoolKey } from "./status";

/** A key's own caps, set by the admin; null = none. */
export type KeyCaps = { rpm: number | null; dailyBudgetUsd: number | null };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

type Use = { requests: number[]; day: number; dayCostUsd: number };
const state = singleton("keyCaps", () => new Map<number, Use>());

const dayOf = (now: number) => Math.floor(now / DAY_MS);

function useOf(id: number, now: number): Use {
  let use = state.get(id);
  if (!use) {
    use = { requests: [], day: dayOf(now), dayCostUsd: 0 };
    state.set(id, use);
  }
  while (use.requests.length > 0 && (use.requests[0] as number) <= now - MINUTE_MS) use.requests.shift();
  if (use.day !== dayOf(now)) {
    use.day = dayOf(now);
    use.dayCostUsd = 0;
  }
  return use;
}

/** What the key already spent today (UTC), loaded at start from the hourly rollups. */
function setKeyDayCost(id: number, costUsd: number, now = nowMs()): void {
  useOf(id, now).dayCostUsd = costUsd;
}

/** An upstream attempt with the key: it counts toward the key's requests per minute. */
export function noteKeyRequest(id: number, now = nowMs()): void {
  useOf(id, now).requests.push(now);
}

export function noteKeyCost(id: number, costUsd: number | null, now = nowMs()): void {
  if (costUsd) useOf(id, now).dayCostUsd += costUsd;
}

export type Rest = { until: Date; reason: "rpm" | "dailyBudgetUsd" };

/**
 * When a key at one of its caps may be used again (the minute or the UTC day turns), or null
 * while it is under them. A resting key is skipped, not blamed: its status does not change.
 */
export function capRest(key: Pick<PoolKey, "id" | "caps">, now = nowMs()): Rest | null {
  const { rpm, dailyBudgetUsd } = key.caps;
  if (rpm === null && dailyBudgetUsd === null) return null;
  const use = useOf(key.id, now);
  if (dailyBudgetUsd !== null && use.dayCostUsd >= dailyBudgetUsd) return { until: new Date((use.day + 1) * DAY_MS), reason: "dailyBudgetUsd" };
  if (rpm !== null && use.requests.length >= rpm) return { until: new Date((use.requests[use.requests.length - rpm] as number) + MINUTE_MS), reason: "rpm" };
  return null;
}

export function forgetKeyUse(id: number): void {
  state.delete(id);
}

/** At start: what each key spent so far today (UTC), from the hourly rollups. */
export async function loadKeyDayCosts(now = Date.now()): Promise<void> {
  const rows = await db.usageRollup.groupBy({ by: ["keyId"], where: { hour: { gte: new Date(dayOf(now) * DAY_MS) } }, _sum: { costUsd: true } });
  for (const row of rows) if (row.keyId !== 0) setKeyDayCost(row.keyId, row._sum.costUsd ?? 0, now);
}

/** Seconds until the first key resting at a cap may be used again, for Retry-After. */
export function nextCapEnd(keys: readonly PoolKey[], now = Date.now()): number | null {
  const ends = keys.map((key) => capRest(key, now)?.until.getTime()).filter((end): end is number => end !== undefined);
  return ends.length === 0 ? null : Math.max(1, Math.ceil((Math.min(...ends) - now) / 1000));
}
