// The stats reader's thread: its own read-only SQLite connection, so a statistics query over a
// long range takes its time here and never holds up the thread that serves /v1.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { errorText } from "../worker-client";
import { figures } from "./stats-queries";
import type { ReaderReply, ReaderRequest } from "./stats-reader";

const { databasePath, busyTimeoutMs } = workerData as { databasePath: string; busyTimeoutMs: number };
const connection = new Database(databasePath, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });

parentPort?.on("message", ({ id, ...request }: ReaderRequest) => {
  let reply: ReaderReply;
  try {
    reply = { id, value: figures(connection, request), error: null };
  } catch (error) {
    reply = { id, error: errorText(error) };
  }
  parentPort?.postMessage(reply);
});
