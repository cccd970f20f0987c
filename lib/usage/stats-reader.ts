import { Worker } from "node:worker_threads";
import { env } from "../env";
import { logError } from "../log";
import { singleton } from "../singleton";
import type { Figures, FiguresRequest } from "./stats-queries";

/** Reads rarely wait in WAL mode; when one does, it waits on its own thread, not the one serving /v1. */
const READER_BUSY_TIMEOUT_MS = 5000;

export type ReaderRequest = FiguresRequest & { id: number };
export type ReaderReply = { id: number; figures: Figures; error: null } | { id: number; figures: null; error: string };

type Pending = { resolve: (figures: Figures) => void; reject: (error: Error) => void };
type ReaderState = { worker: Worker | null; nextId: number; pending: Map<number, Pending> };

const state = singleton<ReaderState>("statsReader", () => ({ worker: null, nextId: 1, pending: new Map() }));

/** Starts the reader thread on first use; a thread that died is replaced on the next question. */
function worker(): Worker {
  if (state.worker) return state.worker;
  const started = new Worker(new URL("./stats-reader.worker.ts", import.meta.url), {
    workerData: { databasePath: env().databasePath, busyTimeoutMs: READER_BUSY_TIMEOUT_MS },
  });
  started.on("message", (reply: ReaderReply) => {
    const pending = state.pending.get(reply.id);
    state.pending.delete(reply.id);
    if (state.pending.size === 0) started.unref();
    if (reply.error === null) pending?.resolve(reply.figures);
    else pending?.reject(new Error(reply.error));
  });
  started.on("error", (error) => logError("the stats reader thread failed", error));
  started.on("exit", () => {
    if (state.worker === started) state.worker = null;
    for (const pending of state.pending.values()) pending.reject(new Error("the stats reader thread stopped"));
    state.pending.clear();
  });
  // An idle reader must not keep a stopping process alive.
  started.unref();
  state.worker = started;
  return started;
}

/** The statistics' figures, computed on the reader thread (see stats-queries.ts). */
export function readFigures(request: FiguresRequest): Promise<Figures> {
  const id = state.nextId++;
  return new Promise((resolve, reject) => {
    const thread = worker();
    state.pending.set(id, { resolve, reject });
    thread.ref();
    thread.postMessage({ ...request, id } satisfies ReaderRequest);
  });
}
