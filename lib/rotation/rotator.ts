import { db } from "../db";
import { singleton } from "../singleton";
import { logError } from "../log";
import { isEligible, type PoolKey } from "../keys/status";
import { poolKeys } from "../keys/pool";
import { nextKeyId } from "./order";

const CURSOR_SETTING = "rotation.cursor";
const PERSIST_DELAY_MS = 50;

type RotatorState = {
  cursor: number | null;
  loaded: Promise<void> | null;
  persisted: number | null;
  timer: NodeJS.Timeout | null;
  writing: Promise<void> | null;
};

const state = singleton<RotatorState>("rotator", () => ({ cursor: null, loaded: null, persisted: null, timer: null, writing: null }));

async function loadCursor(): Promise<void> {
  const row = await db.setting.findUnique({ where: { key: CURSOR_SETTING } });
  const value = row ? Number(row.value) : NaN;
  state.cursor = Number.isInteger(value) ? value : null;
  state.persisted = state.cursor;
}

/**
 * Hands out the next eligible key and moves the cursor. Synchronous after the first load, so
 * concurrent requests each get the next key in turn.
 */
export async function pickKey(avoid?: ReadonlySet<number>): Promise<PoolKey | null> {
  state.loaded ??= loadCursor();
  const [keys] = await Promise.all([poolKeys(), state.loaded]);
  const now = Date.now();
  const eligible = keys.filter((key) => isEligible(key, now));
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
