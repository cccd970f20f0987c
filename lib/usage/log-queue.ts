import { logError, logInfo, logWarn } from "../log";
import type { LogEntry } from "./request-log";
import type { KeyUpdate } from "./write-upkeep";

type KeyUpdates = [number, KeyUpdate][];

export type QueueOptions = {
  write: (batch: readonly LogEntry[], keyUpdates: KeyUpdates) => Promise<void>;
  /** Rows held while the database cannot take them: beyond this, new rows are dropped (counted, logged, shown in health). */
  maxRecords?: number;
  /** Bytes of bodies held while waiting: beyond this, new rows are kept without their bodies. */
  maxBodyBytes?: number;
  flushDelayMs?: number;
  batchSize?: number;
  firstRetryMs?: number;
  longestRetryMs?: number;
};

export type WriterStatus = { queued: number; dropped: number; bodiesDropped: number; failing: boolean; lastError: string | null; failingSince: string | null };

export type LogQueue = {
  add: (entry: LogEntry) => void;
  updateKey: (id: number, update: KeyUpdate) => void;
  discardKeyUpdate: (id: number) => void;
  status: () => WriterStatus;
  drain: (deadline: number) => Promise<number>;
};

export const NOT_KEPT = "[not kept: the log writer was behind]";

const bodyBytes = (entry: LogEntry) => (entry.requestBody?.length ?? 0) + (entry.responseBody?.length ?? 0) + (entry.responseStream?.bytes.byteLength ?? 0);

/**
 * Log rows and key updates on their way to the writer thread: batched, retried with backoff
 * while the database fails (rows wait, in order), bounded so that a long outage costs rows —
 * counted, logged, shown — rather than the process's memory.
 */
export function createLogQueue(options: QueueOptions): LogQueue {
  // A short wait gathers rows without keeping them long: a row that waits outlives the young
  // generation (the GC copies it, then promotes it), and a 200 ms batch under load took the main
  // thread milliseconds at once to hand over, which delayed every request in flight.
  const { write, maxRecords = 50_000, maxBodyBytes = 128 * 1024 * 1024, flushDelayMs = 20, batchSize = 500, firstRetryMs = 250, longestRetryMs = 30_000 } = options;
  const queue: LogEntry[] = [];
  const keyUpdates = new Map<number, KeyUpdate>();
  let queuedBodyBytes = 0;
  /** Rows handed to the writer and not yet stored. */
  let inFlight = 0;
  let timer: NodeJS.Timeout | null = null;
  let flushing = Promise.resolve();
  let retryMs = firstRetryMs;
  let failure: { message: string; since: Date } | null = null;
  let dropped = 0;
  let bodiesDropped = 0;

  const schedule = (delayMs: number) => {
    if (timer) {
      // While the writer fails, its backoff decides when to try again.
      if (delayMs > 0 || failure) return;
      clearTimeout(timer);
    }
    timer = setTimeout(() => void flush(), delayMs);
    timer.unref();
  };

  const requeue = (batch: LogEntry[], updates: KeyUpdates, error: unknown) => {
    queue.unshift(...batch);
    // Values learned while the write was under way are newer than the ones that failed.
    for (const [id, update] of updates) keyUpdates.set(id, { ...update, ...keyUpdates.get(id) });
    if (!failure) logError("could not store request logs; they wait in memory and are retried", error, { queued: queue.length });
    failure = { message: error instanceof Error ? error.message : String(error), since: failure?.since ?? new Date() };
    schedule(retryMs);
    retryMs = Math.min(retryMs * 2, longestRetryMs);
  };

  /**
   * Writes what is queued. Rows that arrived during a write wait for their own timer unless they
   * fill a batch (or `all`, at shutdown): written at once, they made many small transactions under
   * load, and a row cost SQLite about twice as much in a batch of five as in one of fifty.
   */
  const flush = (all = false): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    flushing = flushing.then(async () => {
      for (let first = true; queue.length > 0 || keyUpdates.size > 0; first = false) {
        if (!first && !all && queue.length < batchSize) return;
        const batch = queue.splice(0, batchSize);
        const updates = [...keyUpdates];
        keyUpdates.clear();
        inFlight = batch.length;
        try {
          await write(batch, updates);
        } catch (error) {
          requeue(batch, updates, error);
          return;
        } finally {
          inFlight = 0;
        }
        queuedBodyBytes -= batch.reduce((sum, entry) => sum + bodyBytes(entry), 0);
        if (failure) logInfo("the log writer recovered: queued rows are being written", { failedForMs: Date.now() - failure.since.getTime(), queued: queue.length });
        failure = null;
        retryMs = firstRetryMs;
      }
    });
    return flushing;
  };

  return {
    add: (entry) => {
      if (queue.length + inFlight >= maxRecords) {
        dropped += 1;
        // Once per thousand, so a long outage does not flood the log.
        if (dropped % 1000 === 1) logWarn("request-log rows dropped: the database has not taken any for a while", { dropped, queued: queue.length, lastError: failure?.message });
        return;
      }
      let kept = entry;
      const size = bodyBytes(entry);
      if (size > 0 && queuedBodyBytes + size > maxBodyBytes) {
        bodiesDropped += 1;
        kept = { ...entry, requestBody: entry.requestBody === null ? null : NOT_KEPT, responseBody: entry.responseBody === null && !entry.responseStream ? null : NOT_KEPT, responseStream: null };
      }
      queue.push(kept);
      queuedBodyBytes += bodyBytes(kept);
      schedule(queue.length >= batchSize ? 0 : flushDelayMs);
    },
    updateKey: (id, update) => {
      keyUpdates.set(id, { ...keyUpdates.get(id), ...update });
      schedule(flushDelayMs);
    },
    discardKeyUpdate: (id) => {
      keyUpdates.delete(id);
    },
    status: () => ({
      queued: queue.length + inFlight,
      dropped,
      bodiesDropped,
      failing: failure !== null,
      lastError: failure?.message ?? null,
      failingSince: failure?.since.toISOString() ?? null,
    }),
    drain: async (deadline) => {
      for (;;) {
        await flush(true);
        if (queue.length === 0 && keyUpdates.size === 0) return 0;
        if (Date.now() >= deadline) return queue.length;
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryMs, Math.max(0, deadline - Date.now()))));
      }
    },
  };
}
