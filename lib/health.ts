import { db } from "./db";
import { poolKeys } from "./keys/pool";
import { isEligible } from "./keys/status";

export type Health = { status: "ok" | "error"; database: "ok" | "unreachable"; usableKeys: number; totalKeys: number };

/** Database reachability and usable keys; never throws, so a health check always gets an answer. */
export async function health(): Promise<Health> {
  try {
    await db.$queryRawUnsafe("SELECT 1");
  } catch {
    return { status: "error", database: "unreachable", usableKeys: 0, totalKeys: 0 };
  }
  const keys = await poolKeys();
  const now = Date.now();
  return { status: "ok", database: "ok", usableKeys: keys.filter((key) => isEligible(key, now)).length, totalKeys: keys.length };
}
