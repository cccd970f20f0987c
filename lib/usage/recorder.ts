import { singleton } from "../singleton";
import { logError } from "../log";
import { writeBatch } from "./log-writer";

export type AttemptRecord = { keyId: number; failed: boolean };

/** A streamed answer's bytes for the log; parts may have gone ahead to the writer (`continued`). */
export type RecordedStream = { id: number; bytes: Uint8Array; continued: boolean };

export type RequestRecord = {
  keyId: number | null;
  tokenId: number | null;
  source: "v1" | "playground";
  method: string;
  endpoint: string;
  model: string | null;
  stream: boolean;
  status: number;
  attempts: AttemptRecord[];
  latencyMs: number;
  ttfbMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  error: string | null;
  requestId: string | null;
  upstreamRequestId: string | null;
  requestBody: string | null;
  responseBody: string | null;
  /** A streamed answer, rebuilt into responseBody by the log writer (off the request's thread). */
  responseStream: RecordedStream | null;
  createdAt: Date;
};

const FLUSH_DELAY_MS = 200;
const FLUSH_BATCH = 500;

type RecorderState = { queue: RequestRecord[]; timer: NodeJS.Timeout | null; flushing: Promise<void> };

const state = singleton<RecorderState>("recorder", () => ({ queue: [], timer: null, flushing: Promise.resolve() }));

/** Queues one request's outcome; the write happens off the request's path, batched. */
export function record(entry: RequestRecord): void {
  state.queue.push(entry);
  if (state.queue.length >= FLUSH_BATCH) {
    void flushRecords();
    return;
  }
  if (state.timer) return;
  state.timer = setTimeout(() => void flushRecords(), FLUSH_DELAY_MS);
  state.timer.unref();
}

/** Writes every queued record; resolves when all writes queued before the call are stored. */
export function flushRecords(): Promise<void> {
  if (state.timer) {
    clearTimeout(state.timer);
    state.timer = null;
  }
  state.flushing = state.flushing.then(async () => {
    while (state.queue.length > 0) {
      const batch = state.queue.splice(0, FLUSH_BATCH);
      try {
        await writeBatch(batch);
      } catch (error) {
        logError("could not store request logs; will retry", error, { rows: batch.length });
        state.queue.unshift(...batch);
        if (!state.timer) {
          state.timer = setTimeout(() => void flushRecords(), 1000);
          state.timer.unref();
        }
        return;
      }
    }
  });
  return state.flushing;
}
