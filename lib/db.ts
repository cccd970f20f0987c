import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";
import { singleton } from "./singleton";

/** How long a connection waits for another's write lock before it gives up. */
export const BUSY_TIMEOUT_MS = 5000;

export const db = singleton("db", () => {
  const adapter = new PrismaBetterSQLite3({ url: env().databasePath, timeout: BUSY_TIMEOUT_MS });
  return new PrismaClient({ adapter });
});

export type Db = typeof db;
