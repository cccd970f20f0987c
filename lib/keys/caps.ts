import { db } from "../db";
import { nowMs } from "../clock";
import { singleton } from "../singleton";
import type { PoolKey } from "./status";

/** A key's own caps, set by the admin; null = none. */
export type KeyCaps = { rpm: number | null; dailyBudgetUsd: number | null };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * A key's use: requests per second over the last minute in a ring of 60 slots (constant memory
 * and work whatever the traffic, where a timestamp per request held 60 s of them), and what it
 * spent on the current UTC day.
 */
type Use = { counts: number[]; seconds: number[]; day: number; dayCostUsd: number };
const state = singleton("keyCaps", () => new Map<number, Use>());
const WINDOW_SECONDS = MINUTE_MS / 1000;

const dayOf = (now: number) => Math.floor(now / DAY_MS);

function useOf(id: number, now: number): Use {
  let use = state.get(id);
  if (!use) {
    use = { counts: new Array<number>(WINDOW_SECONDS).fill(0), seconds: new Array<number>(WINDOW_SECONDS).fill(-1), day: dayOf(now), dayCostUsd: 0 };
    state.set(id, use);
  }
  if (use.day !== dayOf(now)) {
    use.day = dayOf(now);
    use.dayCostUsd = 0;
  }
  return use;
}

/** Requests in each second of the minute up to `now`, oldest first, as [second, count]. */
function minuteOf(use: Use, now: number): [number, number][] {
  const current = Math.floor(now / 1000);
  const seconds: [number, number][] = [];
  for (let second = current - WINDOW_SECONDS + 1; second <= current; second += 1) {
    const slot = second % WINDOW_SECONDS;
    if (use.seconds[slot] === second && (use.counts[slot] ?? 0) > 0) seconds.push([second, use.counts[slot] ?? 0]);
  }
  return seconds;
}

/**
 * When enough requests have left the minute to be under `rpm` again: the oldest seconds leave
 * first, each a minute after it began. Null while under the cap.
 */
function rpmRestUntil(use: Use, rpm: number, now: number): number | null {
  const seconds = minuteOf(use, now);
  let inWindow = seconds.reduce((sum, [, count]) => sum + count, 0);
  if (inWindow < rpm) return null;
  for (const [second, count] of seconds) {
    inWindow -= count;
    if (inWindow < rpm) return second * 1000 + MINUTE_MS;
  }
  return null;
}

/** What the key already spent today (UTC), loaded at start from the hourly rollups. */
function setKeyDayCost(id: number, costUsd: number, now = nowMs()): void {
  useOf(id, now).dayCostUsd = costUsd;
}

/** An upstream attempt with the key: it counts toward the key's requests per minute. */
export function noteKeyRequest(id: number, now = nowMs()): void {
  const use = useOf(id, now);
  const second = Math.floor(now / 1000);
  const slot = second % WINDOW_SECONDS;
  if (use.seconds[slot] !== second) {
    use.seconds[slot] = second;
    use.counts[slot] = 0;
  }
  use.counts[slot] = (use.counts[slot] ?? 0) + 1;
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
  const rpmUntil = rpm === null ? null : rpmRestUntil(use, rpm, now);
  return rpmUntil === null ? null : { until: new Date(rpmUntil), reason: "rpm" };
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
