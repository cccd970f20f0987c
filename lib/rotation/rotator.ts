import { db } from "../db";
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
  writing: Promise<void> | null;
};

const state = singleton<RotatorState>("rotator", () => ({ cursor: null, persisted: null, timer: null, writing: null }));

/** Reads the persisted cursor; at boot, before the first request. */
export async function loadCursor(): Promise<void> {
  const row = await db.setting.findUnique({ where: { key: CURSOR_SETTING } });
  const value = row ? Number(row.value) : NaN;
  state.cursor = Number.isInteger(value) ? value : null;
  state.persisted = state.cursor;
}

/**
 * Hands out the next eligible key and moves the cursor. Synchronous (pool and cursor are loaded
 * at boot), so concurrent requests each get the next key in turn and none waits.
 */
export function pickKey(avoid?: ReadonlySet<number>): PoolKey | null {
  const now = Date.now();
  const eligible = currentKeys().filter((key) => isEligible(key, now));
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

/** Writes the cursor if it moved since the last write; awaited at shutdown. */
export async function flushCursor(): Promise<void> {
  if (state.timer) {
    clearTimeout(state.timer);
    state.timer = null;
  }
  await state.writing;
  const cursor = state.cursor;
  if (cursor === null || cursor === state.persisted) return;
  state.writing = db.setting
    .upsert({ where: { key: CURSOR_SETTING }, create: { key: CURSOR_SETTING, value: String(cursor) }, update: { value: String(cursor) } })
    .then(() => {
      state.persisted = cursor;
    })
    .catch((error: unknown) => logError("could not store rotation cursor", error))
    .finally(() => {
      state.writing = null;
    });
  await state.writing;
}
