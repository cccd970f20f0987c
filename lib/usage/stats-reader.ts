import { Worker } from "node:worker_threads";
import { env } from "../env";
import { workerClient, type WorkerReply } from "../worker-client";
import type { Figures, FiguresRequest } from "./stats-queries";

/** Reads rarely wait in WAL mode; when one does, it waits on its own thread, not the one serving /v1. */
const READER_BUSY_TIMEOUT_MS = 5000;

export type ReaderRequest = FiguresRequest & { id: number };
export type ReaderReply = WorkerReply<Figures>;

/** The statistics' figures, computed on the reader thread (see stats-queries.ts). */
export const readFigures = workerClient<FiguresRequest, Figures>(
  "stats reader",
  () => new Worker(new URL("./stats-reader.worker.ts", import.meta.url), { workerData: { databasePath: env().databasePath, busyTimeoutMs: READER_BUSY_TIMEOUT_MS } }),
);
