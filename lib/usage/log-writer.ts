import { Worker } from "node:worker_threads";
import { env } from "../env";
import { workerClient, type WorkerReply } from "../worker-client";
import type { LogEntry } from "./request-log";
import type { KeyUpdate, PruneStep } from "./write-upkeep";

type Command =
  | { kind: "entries"; batch: readonly LogEntry[]; keyUpdates: readonly (readonly [number, KeyUpdate])[] }
  | { kind: "idBefore"; before: Date; which: "first" | "last" }
  | { kind: "prune"; step: PruneStep }
  | { kind: "setting"; key: string; value: string }
  | { kind: "streamPart"; streamId: number; bytes: Uint8Array }
  | { kind: "binding"; objectId: string; keyId: number; objectKind: string; createdAt: Date }
  | { kind: "unbinding"; objectId: string };
export type WriterRequest = Command & { id: number };
/** `value`: what a command that reads or counts found (an id, a number of rows); 0 for the others. */
export type WriterReply = WorkerReply<number>;

/** The writer's own thread may wait for a lock (only logging waits with it), but not so long that a failing database goes unseen. */
const WRITER_BUSY_TIMEOUT_MS = 2000;

// An idle writer must not keep a stopping process alive; one that owes writes must.
const send = workerClient<Command, number>("log writer", () => {
  const { databasePath, LOG_BODY_MAX_BYTES } = env();
  return new Worker(new URL("./log-writer.worker.ts", import.meta.url), {
    workerData: { databasePath, busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS, logBodyMaxBytes: LOG_BODY_MAX_BYTES },
  });
});

const done = async (sent: Promise<number>): Promise<void> => {
  await sent;
};

/** Writes one batch of request records, and what the pool learned about keys, in one transaction on the writer thread. */
export function writeBatch(batch: readonly LogEntry[], keyUpdates: readonly (readonly [number, KeyUpdate])[] = []): Promise<void> {
  return done(send({ kind: "entries", batch, keyUpdates }));
}

export function writeSetting(key: string, value: string): Promise<void> {
  return done(send({ kind: "setting", key, value }));
}

/** A part of a streamed answer that went ahead of its record (see proxy/stream-log.ts). */
export function writeStreamPart(streamId: number, bytes: Uint8Array): Promise<void> {
  return done(send({ kind: "streamPart", streamId, bytes }));
}

/** Stores which key created an object (see lib/sticky). */
export function writeBinding(objectId: string, keyId: number, objectKind: string, createdAt: Date): Promise<void> {
  return done(send({ kind: "binding", objectId, keyId, objectKind, createdAt }));
}

export function deleteBinding(objectId: string): Promise<void> {
  return done(send({ kind: "unbinding", objectId }));
}

/** The oldest or newest log row id created before `before` (0 when none): where pruning starts and stops. */
export function logIdBefore(before: Date, which: "first" | "last"): Promise<number> {
  return send({ kind: "idBefore", before, which });
}

/** One bounded pruning step on the writer thread; resolves with the rows it changed. */
export function pruneStep(step: PruneStep): Promise<number> {
  return send({ kind: "prune", step });
}
