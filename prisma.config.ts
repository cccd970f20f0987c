import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// The schema's env("DATABASE_URL") must resolve, or the 6.19 CLI fetches a native engine.
process.env.DATABASE_URL ??= "file:./data/keypool.db";
const databaseUrl = process.env.DATABASE_URL;

// The JavaScript schema engine keeps the CLI from downloading a native binary.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  adapter: async () => new PrismaBetterSQLite3({ url: databaseUrl }),
});
