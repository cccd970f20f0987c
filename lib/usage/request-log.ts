import { singleton } from "../singleton";
import { writeBatch } from "./log-writer";
import { createLogQueue, type LogQueue } from "./log-queue";
import type { KeyUpdate } from "./write-upkeep";

/**
 * What an upstream attempt's answer meant: the pipeline's verdict, or how the call failed.
 * "aborted": no verdict, the client left or KeyPool stopped while it was under way.
 */
export type AttemptOutcome =
  | "success"
  | "client_error"
  | "invalid"
  | "exhausted"
  | "cooling"
  | "refused"
  | "transient"
  | "timeout"
  | "connection"
  | "aborted";

export type LoggedAttempt = { keyId: number; failed: boolean; outcome: AttemptOutcome };

/** A streamed answer's bytes for the log; parts may have gone ahead to the writer (`continued`). */
export type LoggedStream = { id: number; bytes: Uint8Array; continued: boolean };

export type LogEntry = {
  keyId: number | null;
  tokenId: number | null;
  source: "v1" | "playground";
  method: string;
  endpoint: string;
  model: string | null;
  stream: boolean;
  status: number;
  attempts: LoggedAttempt[];
  latencyMs: number;
  ttfbMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  reasoningTokens: number | null;
  /** USD, priced when the outcome is recorded; null when the model has no price or no tokens were reported. */
  costUsd: number | null;
  error: string | null;
  requestId: string | null;
  upstreamRequestId: string | null;
  requestBody: string | null;
  responseBody: string | null;
  /** A streamed answer, rebuilt into responseBody by the log writer (off the request's thread). */
  responseStream: LoggedStream | null;
  createdAt: Date;
};

const queue = singleton<LogQueue>("requestLog", () => createLogQueue({ write: writeBatch }));

/** Queues one request's outcome; the write happens off the request's path, batched (see log-queue.ts). */
export function logRequest(entry: LogEntry): void {
  queue.add(entry);
}

/**
 * What the pool learned about a key (its status, its refusals), stored with the next batch of
 * log rows: the request that learned it never waits on the database, and a newer value of a
 * field replaces one not yet written.
 */
export function recordKeyUpdate(id: number, update: KeyUpdate): void {
  queue.updateKey(id, update);
}

/** The admin changed the key: what the pool learned before no longer applies. */
export function discardKeyUpdate(id: number): void {
  queue.discardKeyUpdate(id);
}

/** The writer's health, for /api/health and the dashboard. */
export function writerStatus(): ReturnType<LogQueue["status"]> {
  return queue.status();
}

/** At shutdown: writes until the queue is empty or `deadline` passes; returns the rows that could not be written. */
export function drainLog(deadline: number): Promise<number> {
  return queue.drain(deadline);
}
