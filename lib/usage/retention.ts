import { db } from "../db";
import { env } from "../env";
import { logError, logInfo } from "../log";
import { singleton } from "../singleton";
import { pruneBindings } from "../sticky/bindings";

const HOUR_MS = 3600_000;

/** Deletes request-log rows older than LOG_RETENTION_DAYS (0 keeps them forever). Counters stay. */
export async function pruneLogs(now = new Date()): Promise<number> {
  const days = env().LOG_RETENTION_DAYS;
  if (days === 0) return 0;
  const { count } = await db.requestLog.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - days * 86_400_000) } } });
  if (count > 0) logInfo("pruned old request-log rows", { rows: count, retentionDays: days });
  return count;
}

/** Prunes (logs, and bindings of expired responses) at start and then hourly, off any request's path. */
export function schedulePruning(): void {
  singleton("pruneTimer", () => {
    const run = () => {
      void pruneLogs().catch((error: unknown) => logError("could not prune request logs", error));
      void pruneBindings().catch((error: unknown) => logError("could not prune object bindings", error));
    };
    run();
    return setInterval(run, HOUR_MS).unref();
  });
}
