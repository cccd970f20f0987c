import { env } from "../env";
import { logError, logInfo } from "../log";
import { singleton } from "../singleton";
import { checkKey } from "./check";
import { currentKeys } from "./pool";

/** However often a key keeps failing its re-check, it is tried at least daily. */
const LONGEST_WAIT_MS = 24 * 3600_000;

type Due = { at: number; misses: number };
const state = singleton("keyRechecks", () => ({ due: new Map<number, Due>(), running: false }));

/**
 * Invalid and exhausted keys are tried again every KEY_RECHECK_SECONDS, waiting twice as long
 * after each failed try, and come back to `active` when the upstream accepts them. Disabled keys
 * are never tried: what the admin switched off stays off.
 */
export function scheduleRechecks(): void {
  const seconds = env().KEY_RECHECK_SECONDS;
  if (seconds === 0) return;
  singleton("keyRecheckTimer", () =>
    setInterval(() => void recheckDue().catch((error: unknown) => logError("could not re-check keys", error)), Math.min(seconds, 60) * 1000).unref(),
  );
}

export async function recheckDue(now = Date.now()): Promise<void> {
  if (state.running) return;
  state.running = true;
  try {
    const every = env().KEY_RECHECK_SECONDS * 1000;
    for (const key of currentKeys()) {
      if (key.status !== "invalid" && key.status !== "exhausted") {
        state.due.delete(key.id);
        continue;
      }
      const due = state.due.get(key.id);
      if (!due) {
        state.due.set(key.id, { at: now + every, misses: 0 });
        continue;
      }
      if (now < due.at) continue;
      const checked = await checkKey(key.id).catch((error: unknown) => {
        // Deleted meanwhile, or the database is busy: the next round sees.
        logError("could not re-check a key", error, { keyId: key.id });
        return null;
      });
      if (!checked) continue;
      if (checked.status === "active") {
        state.due.delete(key.id);
        logInfo("a key is back in rotation after a re-check", { keyId: key.id, was: key.status });
        continue;
      }
      due.misses += 1;
      due.at = now + Math.min(every * 2 ** due.misses, LONGEST_WAIT_MS);
    }
  } finally {
    state.running = false;
  }
}
