import type Database from "better-sqlite3";
import type { KeyStatus } from "../keys/status";
import { storedTime } from "./stored-time";

/** What the pool learned about a key, stored with the next batch of log rows (the latest value per field wins). */
export type KeyUpdate = {
  state?: { status: KeyStatus; coolingUntil: Date | null; lastError: string | null };
  /** The JSON of the key's learned refusals. */
  refusals?: string;
};

/** One step of pruning: rows (or only their bodies) older than `before`, with ids in (afterId, throughId]. */
export type PruneStep = { before: Date; afterId: number; throughId: number; bodiesOnly: boolean };

// A key disabled by hand stays disabled, whatever a request that was under way learned.
const UPDATE_KEY_STATE = `UPDATE "Key" SET status = ?, coolingUntil = ?, lastError = COALESCE(?, lastError) WHERE id = ? AND status <> 'disabled'`;
const UPDATE_KEY_REFUSALS = `UPDATE "Key" SET refusals = ? WHERE id = ?`;
const FIRST_ID_BEFORE = `SELECT MIN(id) AS id FROM "RequestLog" WHERE createdAt < ?`;
const LAST_ID_BEFORE = `SELECT MAX(id) AS id FROM "RequestLog" WHERE createdAt < ?`;
const DELETE_ROWS = `DELETE FROM "RequestLog" WHERE id > ? AND id <= ? AND createdAt < ?`;
const DROP_BODIES = `UPDATE "RequestLog" SET requestBody = NULL, responseBody = NULL
  WHERE id > ? AND id <= ? AND createdAt < ? AND (requestBody IS NOT NULL OR responseBody IS NOT NULL)`;

export type UpkeepWriter = {
  applyKeyUpdates: (updates: readonly (readonly [number, KeyUpdate])[]) => void;
  /** The oldest or newest log row id created before `before`; 0 when there is none. */
  idBefore: (before: Date, which: "first" | "last") => number;
  prune: (step: PruneStep) => number;
};

/** Writes that keep the pool's state and the log's size in order, on the log writer's connection. */
export function createUpkeepWriter(connection: Database.Database): UpkeepWriter {
  const updateState = connection.prepare(UPDATE_KEY_STATE);
  const updateRefusals = connection.prepare(UPDATE_KEY_REFUSALS);
  const firstId = connection.prepare<[string], { id: number | null }>(FIRST_ID_BEFORE);
  const lastId = connection.prepare<[string], { id: number | null }>(LAST_ID_BEFORE);
  const deleteRows = connection.prepare(DELETE_ROWS);
  const dropBodies = connection.prepare(DROP_BODIES);
  return {
    applyKeyUpdates: (updates) => {
      for (const [id, update] of updates) {
        if (update.state) {
          const { status, coolingUntil, lastError } = update.state;
          updateState.run(status, coolingUntil ? storedTime(coolingUntil) : null, lastError, id);
        }
        if (update.refusals !== undefined) updateRefusals.run(update.refusals, id);
      }
    },
    idBefore: (before, which) => (which === "first" ? firstId : lastId).get(storedTime(before))?.id ?? 0,
    prune: ({ before, afterId, throughId, bodiesOnly }) => (bodiesOnly ? dropBodies : deleteRows).run(afterId, throughId, storedTime(before)).changes,
  };
}
