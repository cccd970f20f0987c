import fs from "node:fs";
import { db } from "./db";
import { env } from "./env";
import { poolKeys } from "./keys/pool";
import { isEligible } from "./keys/status";

export type Health = { status: "ok" | "error"; database: "ok" | "unreachable"; usableKeys: number; totalKeys: number };

const UNREACHABLE: Health = { status: "error", database: "unreachable", usableKeys: 0, totalKeys: 0 };

/** Database reachability and usable keys; never throws, so a health check always gets an answer. */
export async function health(): Promise<Health> {
  try {
    // An open connection keeps answering after its volume went away: look for the file too.
    if (!fs.existsSync(env().databasePath)) return UNREACHABLE;
    await db.$queryRawUnsafe("SELECT 1 FROM Setting LIMIT 1");
    const keys = await poolKeys();
    const now = Date.now();
    return { status: "ok", database: "ok", usableKeys: keys.filter((key) => isEligible(key, now)).length, totalKeys: keys.length };
  } catch {
    return UNREACHABLE;
  }
}
