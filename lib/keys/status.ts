export const KEY_STATUSES = ["active", "disabled", "invalid", "exhausted", "cooling"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export type PoolKey = {
  id: number;
  name: string;
  apiKey: string;
  last4: string;
  status: KeyStatus;
  coolingUntil: Date | null;
  /** The admin's caps on the key (see caps.ts). */
  caps: { rpm: number | null; dailyBudgetUsd: number | null };
  /** Why the key last failed, as the upstream said it. */
  lastError: string | null;
  /** Models the key's project lists, from its last model sync; null until the first. */
  models: ReadonlySet<string> | null;
  /** What the upstream refused this key ("model:…", "endpoint:…"), learned from its answers. */
  refusals: Map<string, Refusal>;
};

/** An upstream refusal remembered for one key, replayed when no key may serve such a request. */
export type Refusal = { status: number; message: string; at: string };

/** Eligible for rotation: active, or cooling whose time has passed. */
export function isEligible(key: Pick<PoolKey, "status" | "coolingUntil">, now: number): boolean {
  if (key.status === "active") return true;
  return key.status === "cooling" && (key.coolingUntil === null || key.coolingUntil.getTime() <= now);
}
