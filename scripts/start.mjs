// Starts KeyPool: database folder → pending migrations → Next.js on PORT, with a graceful stop.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import next from "next";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

const log = (level, msg, fields = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));

process.env.DATABASE_URL ??= "file:./data/keypool.db";
process.env.NODE_ENV = "production";
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "0.0.0.0";
const graceMs = Number(process.env.SHUTDOWN_GRACE_MS ?? 15_000);

function migrate() {
  const databasePath = path.resolve(root, process.env.DATABASE_URL.replace(/^file:/, ""));
  fs.mkdirSync(path.dirname(databasePath), { recursive: true });
  const cli = require.resolve("prisma/build/index.js");
  const result = spawnSync(process.execPath, [cli, "migrate", "deploy"], { cwd: root, env: process.env, encoding: "utf8" });
  if (result.status !== 0) {
    log("error", "database migration failed; KeyPool did not start", { output: `${result.stdout}\n${result.stderr}`.trim() });
    process.exit(1);
  }
  log("info", "database ready", { database: databasePath });
}

async function main() {
  process.chdir(root);
  migrate();
  const app = next({ dev: false, dir: root, hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => handle(req, res));
  server.listen(port, host, () => log("info", `KeyPool listening on http://${host}:${port}`));

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping: finishing in-flight requests", { signal, graceMs });
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    await globalThis.keypoolFlush?.();
    log("info", "stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  log("error", "KeyPool failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
