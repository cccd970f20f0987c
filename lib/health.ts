import fs from "node:fs";
import { db } from "./db";
import { env } from "./env";
import { poolKeys } from "./keys/pool";
import { isEligible } from "./keys/status";
import { breakerStatus, type BreakerState } from "./proxy/breaker";
import { writerStatus } from "./usage/request-log";

/**
 * `error` (HTTP 503) only when the database is gone: a restart may help. `degraded` (HTTP 200)
 * when no key is usable or the upstream is not answering: a restart cannot fix that, so an
 * orchestrator must not be told to try.
 */
export type Health = {
  status: "ok" | "degraded" | "error";
  reason: string | null;
  database: "ok" | "unreachable";
  usableKeys: number;
  totalKeys: number;
  upstream: { breaker: BreakerState; reason: string | null; retryAt: string | null };
  /** The request-log writer: rows waiting for the database, rows it had to drop, and why it fails (if it does). */
  writer: ReturnType<typeof writerStatus>;
};

/** Database reachability, usable keys and the upstream breaker; never throws, so a health check always gets an answer. */
export async function health(): Promise<Health> {
  const upstream = breakerStatus();
  const writer = writerStatus();
  const unreachable: Health = { status: "error", reason: "the database is unreachable", database: "unreachable", usableKeys: 0, totalKeys: 0, upstream, writer };
  try {
    // An open connection keeps answering after its volume went away: look for the file too.
    if (!fs.existsSync(env().databasePath)) return unreachable;
    await db.$queryRawUnsafe("SELECT 1 FROM Setting LIMIT 1");
    const keys = await poolKeys();
    const now = Date.now();
    const usableKeys = keys.filter((key) => isEligible(key, now)).length;
    const reason =
      upstream.breaker !== "closed"
        ? `the upstream is not answering: ${upstream.reason ?? "repeated failures"}`
        : usableKeys === 0
          ? "no usable key: every key is disabled, invalid, exhausted or cooling down (or none was added)"
          : writer.failing
            ? `the request log cannot be written (${writer.queued} rows waiting): ${writer.lastError ?? "unknown error"}`
            : null;
    return { status: reason ? "degraded" : "ok", reason, database: "ok", usableKeys, totalKeys: keys.length, upstream, writer };
  } catch {
    return unreachable;
  }
}
