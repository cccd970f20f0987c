export const KEY_STATUSES = ["active", "disabled", "invalid", "exhausted", "cooling"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export type PoolKey = {
  id: number;
  name: string;
  apiKey: string;
  last4: string;
  status: KeyStatus;
  coolingUntil: Date | null;
};

/** Eligible for rotation: active, or cooling whose time has passed. */
export function isEligible(key: Pick<PoolKey, "status" | "coolingUntil">, now: number): boolean {
  if (key.status === "active") return true;
  return key.status === "cooling" && (key.coolingUntil === null || key.coolingUntil.getTime() <= now);
}
