import { env } from "../env";
import { logError, logInfo } from "../log";
import { singleton } from "../singleton";
import { pruneBindings } from "../sticky/bindings";
import { logIdBefore, pruneStep } from "./log-writer";

const HOUR_MS = 3600_000;
const DAY_MS = 86_400_000;
/** Ids per pruning step: each step is one short transaction, so log rows keep being written between them. */
const STEP_IDS = 2000;

/** Where the last body pruning stopped: bodies below it are gone already. */
const progress = singleton("bodyPruning", () => ({ throughId: 0 }));

/** Rows (or only their bodies) created before `before`, in short steps on the writer thread. */
async function pruneBefore(before: Date, bodiesOnly: boolean, fromId = 0): Promise<{ changed: number; throughId: number }> {
  const last = await logIdBefore(before, "last");
  let afterId = Math.max(fromId, (await logIdBefore(before, "first")) - 1);
  let changed = 0;
  while (afterId < last) {
    const throughId = Math.min(afterId + STEP_IDS, last);
    changed += await pruneStep({ before, afterId, throughId, bodiesOnly });
    afterId = throughId;
  }
  return { changed, throughId: last };
}

/**
 * Deletes request-log rows older than LOG_RETENTION_DAYS and drops the bodies of rows older than
 * LOG_BODY_RETENTION_DAYS (0 keeps them forever). Counters and hourly rollups stay.
 */
export async function pruneLogs(now = new Date()): Promise<{ rows: number; bodies: number }> {
  const { LOG_RETENTION_DAYS: days, LOG_BODY_RETENTION_DAYS } = env();
  const bodyDays = LOG_BODY_RETENTION_DAYS ?? days;
  const rows = days === 0 ? 0 : (await pruneBefore(new Date(now.getTime() - days * DAY_MS), false)).changed;
  let bodies = 0;
  if (bodyDays !== 0 && (days === 0 || bodyDays < days)) {
    const pruned = await pruneBefore(new Date(now.getTime() - bodyDays * DAY_MS), true, progress.throughId);
    bodies = pruned.changed;
    progress.throughId = Math.max(progress.throughId, pruned.throughId);
  }
  if (rows > 0 || bodies > 0) logInfo("pruned the request log", { rows, bodies, retentionDays: days, bodyRetentionDays: bodyDays });
  return { rows, bodies };
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
