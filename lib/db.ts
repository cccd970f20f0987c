import Database from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";
import { singleton } from "./singleton";

const BUSY_TIMEOUT_MS = 5000;

export const db = singleton("db", () => {
  const adapter = new PrismaBetterSQLite3({ url: env().databasePath, timeout: BUSY_TIMEOUT_MS });
  return new PrismaClient({ adapter });
});

export type Db = typeof db;

/**
 * A plain better-sqlite3 connection for the request-log writer: it runs next to proxied requests,
 * and prepared statements cost a fraction of a Prisma round trip (measured under `npm run bench`).
 */
export function logDb(): Database.Database {
  return singleton("logDb", () => {
    const connection = new Database(env().databasePath, { timeout: BUSY_TIMEOUT_MS });
    connection.pragma("journal_mode = WAL");
    connection.pragma("synchronous = NORMAL");
    return connection;
  });
}
