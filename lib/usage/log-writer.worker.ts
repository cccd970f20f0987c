// The log writer's thread: its own SQLite connection, so a slow or locked database delays
// logging, never a proxied call.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { createBatchWriter, type WriterOptions } from "./write-batch";
import type { WriterReply, WriterRequest } from "./log-writer";

const { databasePath, busyTimeoutMs, ...options } = workerData as WriterOptions & { databasePath: string; busyTimeoutMs: number };
const connection = new Database(databasePath, { timeout: busyTimeoutMs });
connection.pragma("journal_mode = WAL");
connection.pragma("synchronous = NORMAL");
const writer = createBatchWriter(connection, options);

parentPort?.on("message", (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    if (request.kind === "records") writer.writeRecords(request.batch);
    else if (request.kind === "streamPart") writer.addStreamPart(request.streamId, request.bytes);
    else if (request.kind === "binding") writer.writeBinding(request.objectId, request.keyId, request.objectKind, request.createdAt);
    else if (request.kind === "unbinding") writer.deleteBinding(request.objectId);
    else writer.writeSetting(request.key, request.value);
    reply = { id: request.id, error: null };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  parentPort?.postMessage(reply);
});
