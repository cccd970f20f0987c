import { db } from "../db";
import { logError } from "../log";
import { singleton } from "../singleton";
import { deleteBinding, writeBinding } from "../usage/log-writer";

/** Object id → the id of the key that created it. Read on the request path, so kept in memory. */
const state = singleton<{ bindings: Map<string, number>; writing: Set<Promise<void>> }>("objectBindings", () => ({ bindings: new Map(), writing: new Set() }));

/** Loads the stored bindings; at boot, before the first request. */
export async function loadBindings(): Promise<void> {
  const rows = await db.objectBinding.findMany({ select: { objectId: true, keyId: true } });
  state.bindings = new Map(rows.map((row) => [row.objectId, row.keyId]));
}

/** Whether any object is bound: without one, no request body needs a look. */
export function hasBindings(): boolean {
  return state.bindings.size > 0;
}

export function boundKeyId(objectId: string): number | undefined {
  return state.bindings.get(objectId);
}

/** Memory first (the next request sees it at once); the database write goes through the log writer's thread. */
export function bind(objectId: string, keyId: number, kind: string): void {
  if (state.bindings.get(objectId) === keyId) return;
  state.bindings.set(objectId, keyId);
  track(writeBinding(objectId, keyId, kind, new Date()).catch((error: unknown) => logError("could not store an object binding", error, { objectId, keyId })));
}

export function unbind(objectId: string): void {
  if (!state.bindings.delete(objectId)) return;
  track(deleteBinding(objectId).catch((error: unknown) => logError("could not drop an object binding", error, { objectId })));
}

function track(write: Promise<void>): void {
  state.writing.add(write);
  void write.finally(() => state.writing.delete(write));
}

/** OpenAI keeps a stored response for 30 days; its binding is kept a little longer, then dropped. */
const RESPONSE_KEEP_MS = 31 * 86_400_000;

/** Drops the bindings of responses OpenAI no longer keeps, from the database and from memory. */
export async function pruneBindings(now = new Date()): Promise<number> {
  const where = { kind: "response", createdAt: { lt: new Date(now.getTime() - RESPONSE_KEEP_MS) } };
  const expired = await db.objectBinding.findMany({ where, select: { objectId: true } });
  if (expired.length === 0) return 0;
  await db.objectBinding.deleteMany({ where });
  for (const row of expired) state.bindings.delete(row.objectId);
  return expired.length;
}

/** Waits for the binding writes under way; at shutdown, so an object created just before it stays bound. */
export async function flushBindings(): Promise<void> {
  await Promise.all(state.writing);
}
