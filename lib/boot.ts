import fs from "node:fs";
import { db } from "./db";
import { env } from "./env";
import { secret } from "./crypto/secret";
import { ensureAdminKey } from "./auth/admin";
import { poolKeys } from "./keys/pool";
import { loadKeyDayCosts } from "./keys/caps";
import { loadPriceOverrides } from "./models/queries";
import { reloadTokens } from "./tokens/queries";
import { flushCursor, loadCursor } from "./rotation/rotator";
import { drainLog } from "./usage/request-log";
import { flushBindings, loadBindings } from "./sticky/bindings";
import { schedulePruning } from "./usage/retention";
import { scheduleRechecks } from "./keys/recheck";
import { scheduleModelSync } from "./models/sync";
import { loadKnownModels } from "./metrics/known-models";
import { singleton } from "./singleton";

/** Loads everything the request path reads from memory: keys, token hashes, the admin hash, the rotation cursor, object bindings. */
async function boot(): Promise<void> {
  fs.mkdirSync(env().dataDir, { recursive: true });
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  secret();
  await ensureAdminKey();
  await Promise.all([poolKeys(), reloadTokens(), loadCursor(), loadKeyDayCosts(), loadPriceOverrides(), loadBindings(), loadKnownModels()]);
  schedulePruning();
  scheduleRechecks();
  scheduleModelSync();
}

/**
 * Writes everything held in memory: logs, counters, the cursor, object bindings under way. A
 * failing database is given until `deadline`; returns how many log rows could not be written.
 */
export async function flushState(deadline: number): Promise<number> {
  const [unwritten] = await Promise.all([drainLog(deadline), flushCursor(), flushBindings().catch(() => undefined)]);
  return unwritten;
}

const state = singleton<{ booted: Promise<void> | null }>("boot", () => ({ booted: null }));

/** Resolves once the process is ready to serve; the first call does the work. */
export function ready(): Promise<void> {
  state.booted ??= boot();
  return state.booted;
}
