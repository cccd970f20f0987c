import { nowMs } from "../clock";
import { db } from "../db";
import { writeSetting } from "../usage/log-writer";
import { singleton } from "../singleton";
import { logError } from "../log";
import { isEligible, type PoolKey } from "../keys/status";
import { currentKeys } from "../keys/pool";
import { nextKeyId } from "./order";

const CURSOR_SETTING = "rotation.cursor";
const PERSIST_DELAY_MS = 50;

type RotatorState = {
  cursor: number | null;
  persisted: number | null;
  timer: NodeJS.Timeout | null;
};

const state = singleton<RotatorState>("rotator", () => ({ cursor: null, persisted: null, timer: null }));

/** Reads the persisted cursor; at boot, before the first request. */
export async function loadCursor(): Promise<void> {
  const row = await db.setting.findUnique({ where: { key: CURSOR_SETTING } });
  const value = row ? Number(row.value) : NaN;
  state.cursor = Number.isInteger(value) ? value : null;
  state.persisted = state.cursor;
}

/**
 * Hands out the next eligible key and moves the cursor. Synchronous (pool and cursor are loaded
 * at boot), so concurrent requests each get the next key in turn and none waits. `accepts`
 * narrows the pool to keys that can serve this request (skipped keys are not blamed).
 */
export function pickKey(avoid?: ReadonlySet<number>, accepts?: (key: PoolKey) => boolean): PoolKey | null {
  const now = nowMs();
  const eligible = currentKeys().filter((key) => isEligible(key, now) && (accepts?.(key) ?? true));
  const id = nextKeyId(
    eligible.map((key) => key.id),
    state.cursor,
    avoid,
  );
  const key = eligible.find((candidate) => candidate.id === id) ?? null;
  if (key) {
    state.cursor = key.id;
    schedulePersist();
  }
  return key;
}

function schedulePersist(): void {
  if (state.timer) return;
  state.timer = setTimeout(() => {
    state.timer = null;
    void flushCursor();
  }, PERSIST_DELAY_MS);
  state.timer.unref();
}

/** Writes the cursor if it moved since the last write; also at shutdown. */
export async function flushCursor(): Promise<void> {
  if (state.timer) {
    clearTimeout(state.timer);
    state.timer = null;
  }
  const cursor = state.cursor;
  if (cursor === null || cursor === state.persisted) return;
  // The cursor moves with every request: the log writer's thread stores it, off the request path.
  try {
    await writeSetting(CURSOR_SETTING, String(cursor));
    state.persisted = cursor;
  } catch (error) {
    logError("could not store rotation cursor", error);
  }
}
