import type { Worker } from "node:worker_threads";
import { logError } from "./log";
import { singleton } from "./singleton";

/** What a KeyPool worker thread answers to a message: its id, and a value or an error. */
export type WorkerReply<Value> = { id: number; value: Value; error: null } | { id: number; value?: undefined; error: string };

type Pending<Value> = { resolve: (value: Value) => void; reject: (error: Error) => void };

/**
 * Asks a worker thread by message and id (the log writer, the stats reader). The thread starts on
 * first use (`start` keeps the `new Worker(new URL(…))` the bundler looks for) and is replaced on
 * the next message after it dies; it keeps the process alive only while it owes answers.
 */
export function workerClient<Message extends object, Value>(name: string, start: () => Worker): (message: Message) => Promise<Value> {
  const state = singleton(`worker:${name}`, () => ({ worker: null as Worker | null, nextId: 1, pending: new Map<number, Pending<Value>>() }));

  const worker = (): Worker => {
    if (state.worker) return state.worker;
    const started = start();
    started.on("message", (reply: WorkerReply<Value>) => {
      const pending = state.pending.get(reply.id);
      state.pending.delete(reply.id);
      if (state.pending.size === 0) started.unref();
      if (reply.error === null) pending?.resolve(reply.value);
      else pending?.reject(new Error(reply.error));
    });
    started.on("error", (error) => logError(`the ${name} thread failed`, error));
    started.on("exit", () => {
      if (state.worker === started) state.worker = null;
      for (const pending of state.pending.values()) pending.reject(new Error(`the ${name} thread stopped`));
      state.pending.clear();
    });
    started.unref();
    state.worker = started;
    return started;
  };

  return (message) => {
    const id = state.nextId++;
    return new Promise((resolve, reject) => {
      const thread = worker();
      state.pending.set(id, { resolve, reject });
      thread.ref();
      thread.postMessage({ ...message, id });
    });
  };
}

/** The error text a worker sends back for what it could not do. */
export const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
