// The log writer's thread: its own SQLite connection, so a slow or locked database delays
// logging, never a proxied call.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { createBatchWriter, type WriterOptions } from "./write-batch";
import { createUpkeepWriter } from "./write-upkeep";
import { errorText } from "../worker-client";
import type { WriterReply, WriterRequest } from "./log-writer";

const { databasePath, busyTimeoutMs, ...options } = workerData as WriterOptions & { databasePath: string; busyTimeoutMs: number };
const connection = new Database(databasePath, { timeout: busyTimeoutMs });
connection.pragma("journal_mode = WAL");
connection.pragma("synchronous = NORMAL");
// A log row's INSERT (foreign keys) and the UPSERTs keep statement journals; as files they cost an
// open, writes and an unlink in /var/tmp per transaction, a tenth of the writer's time under load.
connection.pragma("temp_store = MEMORY");
const writer = createBatchWriter(connection, options);
const upkeep = createUpkeepWriter(connection);
// The log rows and what the pool learned about keys: stored together or not at all, so a retried batch never doubles a row.
const writeEntries = connection.transaction((request: Extract<WriterRequest, { kind: "entries" }>) => {
  writer.writeEntries(request.batch);
  upkeep.applyKeyUpdates(request.keyUpdates);
});

function handle(request: WriterRequest): number | undefined {
  switch (request.kind) {
    case "entries":
      return void writeEntries(request);
    case "streamPart":
      return void writer.addStreamPart(request.streamId, request.bytes);
    case "binding":
      return void writer.writeBinding(request.objectId, request.keyId, request.objectKind, request.createdAt);
    case "unbinding":
      return void writer.deleteBinding(request.objectId);
    case "setting":
      return void writer.writeSetting(request.key, request.value);
    case "idBefore":
      return upkeep.idBefore(request.before, request.which);
    case "prune":
      return upkeep.prune(request.step);
  }
}

parentPort?.on("message", (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { id: request.id, error: null, value: handle(request) ?? 0 };
  } catch (error) {
    // A failed COMMIT (a full disk, a lock held too long) must not leave the connection inside a
    // transaction: every later write would fail with it.
    if (connection.inTransaction) {
      try {
        connection.exec("ROLLBACK");
      } catch {
        // Already rolled back by SQLite itself.
      }
    }
    reply = { id: request.id, error: errorText(error) };
  }
  parentPort?.postMessage(reply);
});
