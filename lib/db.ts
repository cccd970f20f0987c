import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";
import { singleton } from "./singleton";

export const db = singleton("db", () => {
  const adapter = new PrismaBetterSQLite3({ url: env().databasePath, timeout: 5000 });
  return new PrismaClient({ adapter });
});

export type Db = typeof db;
