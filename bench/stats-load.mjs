// node bench/stats-load.mjs: what a long statistics query costs, and whether /v1 waits for it.
//
// 1. Starts the built KeyPool (`npm run build` first) on an empty database, adds 3 keys, stops it.
// 2. Fills the request log with STATS_ROWS rows (1,000,000) spread over STATS_DAYS (30) days in one
//    transaction, then rebuilds the hourly rollups with the rollups migration's own backfill (its
//    INSERT … SELECT), timed: that is what an upgrade costs at start. A build without rollups skips it.
// 3. Starts KeyPool again and reports:
//    - /api/stats?from=<30 days ago> and ?from=<7 days ago> response times (sequential, idle);
//    - /v1 chat p50/p99 with a fake upstream (bench/fake-upstream.mjs, BENCH_UPSTREAM_MS 20) and
//      8 connections, idle, and then while one client asks /api/stats?from=<30 days ago> over and
//      over, back to back (plus how many of those answers came back, and how long they took).
// Settings: STATS_ROWS, STATS_DAYS, STATS_SECONDS (8, per /v1 window), STATS_BODY_BYTES (0: the
// size of each stored request and response body), KEYPOOL_ROOT (the checkout
// whose build to run; default this one, so the same script can measure an older build).
// Output: a markdown report on stdout. Every child is killed on the way out.
import { fork, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { request } from "undici";
import { freePort, sleep, startArgs } from "./common.mjs";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(process.env.KEYPOOL_ROOT ?? path.join(BENCH, ".."));
const ROWS = Number(process.env.STATS_ROWS ?? 1_000_000);
const DAYS = Number(process.env.STATS_DAYS ?? 30);
const SECONDS = Number(process.env.STATS_SECONDS ?? 8);
// Real rows carry the request and response bodies (up to LOG_BODY_MAX_BYTES each): they make the
// table, and a scan of it, that much bigger.
const BODY_BYTES = Number(process.env.STATS_BODY_BYTES ?? 0);
const ADMIN_KEY = "bench-admin-key-0123456789abcdef";
const HEADERS = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
const CHAT = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Name three colours." }] });
const MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "text-embedding-3-small", null];

const children = new Set();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keypool-stats-bench-"));
const databasePath = path.join(dataDir, "keypool.db");
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  fs.rmSync(dataDir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));

function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function startKeyPool(upstreamUrl) {
  const port = await freePort();
  const log = fs.openSync(path.join(dataDir, "keypool.log"), "a");
  const env = { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: `file:${databasePath}`, OPENAI_BASE_URL: `${upstreamUrl}/v1`, ADMIN_KEY, NEXT_TELEMETRY_DISABLED: "1", MODEL_SYNC_SECONDS: "0" };
  const child = track(spawn(process.execPath, startArgs(ROOT), { cwd: ROOT, env, stdio: ["ignore", log, log] }));
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`KeyPool exited:\n${fs.readFileSync(path.join(dataDir, "keypool.log"), "utf8").slice(-2000)}`);
    const healthy = await request(`${url}/api/health`).then(async (answer) => (await answer.body.dump(), answer.statusCode === 200), () => false);
    if (healthy) return { child, url, startMs: performance.now() - started };
  }
  throw new Error("KeyPool did not become healthy");
}

async function stopKeyPool(keypool) {
  const exited = new Promise((resolve) => keypool.child.once("exit", resolve));
  keypool.child.kill("SIGTERM");
  await exited;
}

function forkChild(file, env = {}) {
  return track(fork(path.join(BENCH, file), [], { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] }));
}

async function timedGet(url) {
  const started = performance.now();
  const answer = await request(url, { headers: HEADERS, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const body = await answer.body.json();
  if (answer.statusCode !== 200) throw new Error(`${url} answered ${answer.statusCode}: ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, body };
}

/** Fills the log in one transaction: rows evenly spread over the range, a few keys, models, tokens and errors. */
function fill() {
  const db = new Database(databasePath);
  const insert = db.prepare(`INSERT INTO "RequestLog" (keyId, tokenId, source, method, endpoint, model, stream, status, attempts, latencyMs, ttfbMs, promptTokens, completionTokens, error, requestBody, responseBody, createdAt)
    VALUES (?, NULL, 'v1', 'POST', '/v1/chat/completions', ?, 0, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const body = BODY_BYTES > 0 ? "x".repeat(BODY_BYTES) : null;
  const end = Date.now() - 60_000;
  const step = (DAYS * 86_400_000) / ROWS;
  let started = performance.now();
  db.transaction(() => {
    for (let i = 0; i < ROWS; i += 1) {
      const failed = i % 37 === 0;
      insert.run(1 + (i % 3), MODELS[i % MODELS.length], failed ? 500 : 200, 200 + (i % 300), 50, failed ? null : 20 + (i % 50), failed ? null : 10 + (i % 40), failed ? "upstream 500" : null, body, body, new Date(end - i * step).toISOString().replace("Z", "+00:00"));
    }
  })();
  const fillMs = performance.now() - started;
  const hasRollups = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'UsageRollup'`).get() !== undefined;
  let backfillMs = null;
  if (hasRollups) {
    const folder = fs.readdirSync(path.join(ROOT, "prisma/migrations")).find((name) => name.endsWith("_usage_rollups"));
    const sql = fs.readFileSync(path.join(ROOT, "prisma/migrations", folder, "migration.sql"), "utf8");
    started = performance.now();
    db.transaction(() => {
      db.exec(`DELETE FROM "UsageRollup"`);
      db.exec(sql.slice(sql.indexOf("INSERT INTO")));
    })();
    backfillMs = performance.now() - started;
  }
  const rollups = hasRollups ? db.prepare(`SELECT COUNT(*) AS n FROM "UsageRollup"`).get().n : null;
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { fillMs, backfillMs, rollups };
}

function runLoad(load, origin) {
  return new Promise((resolve) => {
    load.once("message", resolve);
    load.send({ origin, path: "/v1/chat/completions", headers: HEADERS, body: CHAT, connections: 8, timeoutMs: 60_000, durationMs: SECONDS * 1000 });
  });
}

/** /v1 under load while one client asks for 30 days of statistics back to back. */
async function underStatsLoad(load, keypool, statsUrl) {
  let running = true;
  const times = [];
  const asker = (async () => {
    while (running) times.push((await timedGet(statsUrl)).ms);
  })();
  await sleep(200);
  const v1 = await runLoad(load, keypool.url);
  running = false;
  await asker;
  return { v1, times };
}

const round = (ms) => (ms === null || ms === undefined ? "–" : `${Math.round(ms)} ms`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  if (!fs.existsSync(path.join(ROOT, ".next", "required-server-files.json"))) throw new Error(`${ROOT} is not built: npm run build first`);
  const fake = forkChild("fake-upstream.mjs", { BENCH_UPSTREAM_MS: "20" });
  const upstreamUrl = await new Promise((resolve) => fake.once("message", ({ port }) => resolve(`http://127.0.0.1:${port}`)));

  let keypool = await startKeyPool(upstreamUrl);
  const added = await request(`${keypool.url}/api/keys`, { method: "POST", headers: HEADERS, body: JSON.stringify({ keys: ["A", "B", "C"].map((c) => `sk-bench-${c.repeat(40)}`) }) });
  await added.body.dump();
  await stopKeyPool(keypool);

  const filled = fill();
  keypool = await startKeyPool(upstreamUrl);
  const load = forkChild("load.mjs");
  const from30 = new Date(Date.now() - DAYS * 86_400_000).toISOString();
  const from7 = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const stats30 = `${keypool.url}/api/stats?from=${from30}`;

  const first = await timedGet(stats30);
  const idle30 = [];
  for (let i = 0; i < 3; i += 1) idle30.push((await timedGet(stats30)).ms);
  const idle7 = [];
  for (let i = 0; i < 3; i += 1) idle7.push((await timedGet(`${keypool.url}/api/stats?from=${from7}`)).ms);
  await runLoad(load, keypool.url); // warm-up
  const idle = await runLoad(load, keypool.url);
  const loaded = await underStatsLoad(load, keypool, stats30);
  await stopKeyPool(keypool);

  const line = (name, result) => `| ${name} | ${result.ok} | ${result.timeouts + result.errors} | ${round(result.latencyMs.p50)} | ${round(result.latencyMs.p99)} | ${round(result.latencyMs.max)} |`;
  console.log(`## Statistics under load (${ROOT})

${ROWS.toLocaleString("en")} log rows over ${DAYS} days, bodies of ${BODY_BYTES} bytes; filled in ${round(filled.fillMs)}; rollups: ${filled.rollups === null ? "none (a build without them)" : `${filled.rollups.toLocaleString("en")} rows, backfill ${round(filled.backfillMs)}`}; KeyPool healthy ${round(keypool.startMs)} after start.
Answer checked: totals.requests = ${first.body.totals.requests.toLocaleString("en")}.

| /api/stats | first | median of next 3 |
|---|---|---|
| from 30 days ago (bucket day) | ${round(first.ms)} | ${round(median(idle30))} |
| from 7 days ago (bucket day) | – | ${round(median(idle7))} |

/v1/chat/completions, 8 connections, ${SECONDS} s each, upstream 20 ms:

| case | ok | failed | p50 | p99 | max |
|---|---|---|---|---|---|
${line("idle", idle)}
${line("while /api/stats (30 days) is asked back to back", loaded.v1)}

During that window ${loaded.times.length} statistics answers came back, median ${round(median(loaded.times))}, max ${round(Math.max(...loaded.times))}.`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`stats-load: ${error.stack ?? error}`);
    process.exit(1);
  },
);
