// Starts KeyPool: database folder and pending migrations, then Next.js on PORT with a JSON access
// log and a graceful stop. The same file starts the repository build and the standalone image.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "./migrate.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const log = (level, msg, fields = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));

// Next prints a few plain lines of its own; wrap them so the output stays one JSON object per line.
function jsonLinesOnly(stream, level) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const wrapped = lines.map((line) =>
      line.startsWith("{") ? line : JSON.stringify({ time: new Date().toISOString(), level, msg: line.replace(/\u001b\[[0-9;]*m/g, "").trim() }),
    );
    return write(wrapped.length > 0 ? `${wrapped.join("\n")}\n` : "", ...rest);
  };
}
jsonLinesOnly(process.stdout, "info");
jsonLinesOnly(process.stderr, "error");

process.chdir(root);
process.env.NODE_ENV = "production";
process.env.DATABASE_URL ||= "file:./data/keypool.db";
const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "0.0.0.0";
const graceMs = Number(process.env.SHUTDOWN_GRACE_MS || 15_000);

function loadBuiltConfig() {
  const file = path.join(root, ".next", "required-server-files.json");
  if (!fs.existsSync(file)) {
    log("error", "no production build found: run `npm run build` first");
    process.exit(1);
  }
  // The standalone image holds no next.config: Next reads the config the build recorded.
  const { config } = JSON.parse(fs.readFileSync(file, "utf8"));
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}

/** One JSON line per request: id, method, path (no query), status, latency. Never headers or bodies. */
function accessLog(req, res) {
  const started = performance.now();
  const requestId = crypto.randomUUID();
  // Overwrites whatever the client sent: the route handlers store this id with the log row.
  req.headers["x-keypool-request-id"] = requestId;
  res.setHeader("x-keypool-request-id", requestId);
  res.once("close", () => {
    log("info", "request", {
      requestId,
      method: req.method,
      path: (req.url ?? "").split("?")[0],
      status: res.statusCode,
      latencyMs: Math.round(performance.now() - started),
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
}

async function main() {
  const databasePath = path.resolve(root, process.env.DATABASE_URL.replace(/^file:/, ""));
  migrate({ databasePath, migrationsDir: path.join(root, "prisma", "migrations"), log });
  log("info", "database ready", { database: databasePath });

  loadBuiltConfig();
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: root, hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    req.headers["x-keypool-client-ip"] = req.socket.remoteAddress ?? "unknown";
    if (!req.url?.startsWith("/_next/")) accessLog(req, res);
    handle(req, res);
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  log("info", `KeyPool listening on http://${host}:${port}`);

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping: no new connections, finishing in-flight requests", { signal, graceMs });
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      log("warn", "grace period over: closing the remaining connections");
      server.closeAllConnections();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    await globalThis.keypoolFlush?.();
    log("info", "stopped: every log row and counter written");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  log("error", "KeyPool failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
