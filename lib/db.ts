import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";
import { singleton } from "./singleton";

/**
 * How long this connection waits for another's write lock. It runs on the thread that serves
 * /v1 and waits synchronously, so it waits briefly: an admin write that meets a long lock gets
 * a 503 to retry instead of stalling every call. (The log writer's thread waits longer.)
 */
const BUSY_TIMEOUT_MS = 200;

export const db = singleton("db", () => {
  const adapter = new PrismaBetterSQLite3({ url: env().databasePath, timeout: BUSY_TIMEOUT_MS });
  return new PrismaClient({ adapter });
});

export type Db = typeof db;
