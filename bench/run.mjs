// npm run bench: what KeyPool costs over calling the upstream directly (issue 7), in one bounded run.
//
// Three targets answer the same requests from the same fake upstream (bench/fake-upstream.mjs):
//   direct          the fake itself;
//   bare forwarder  bench/bare-forwarder.mjs, about the cheapest Node proxy possible: the floor;
//   KeyPool         the built server (`npm run build` first), 3 pooled keys, admin key as client.
// At one connection two byte relays join them, to show what the extra hop costs before any HTTP is
// handled: bench/byte-relay.mjs (Node `net`), and socat (native code) when it is installed.
// The fake, the bare forwarder, KeyPool and the load generator (bench/load.mjs) each run in a
// process of their own, so none of them shares an event loop with another.
//
// Cases: throughput (64 connections) and latency (1 connection), each for JSON and streaming, are
// measured per round for all three targets in turn; the report gives the median of the rounds.
// Then, on KeyPool only: memory with 200 open streams, request-log rows against requests sent,
// and the rotation cursor across a restart.
//
// Settings (environment): BENCH_ROUNDS (3), BENCH_SECONDS per measurement (4), BENCH_UPSTREAM_MS
// (20), BENCH_WARMUP_SECONDS per target and mode before the rounds (5), BENCH_MAX_SECONDS (twice
// the estimate printed at the start: past it the run stops and every child is killed). Defaults
// take about 6 minutes.
// Output: a markdown report on stdout, the full JSON in bench/results/ (git-ignored).
// Exit code 0 when the bench ran to the end, whether or not KeyPool met the targets; 1 otherwise.
import { fork, spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { request } from "undici";
import { ROOT, freePort, sleep, startArgs } from "./common.mjs";

const BENCH = path.join(ROOT, "bench");
const setting = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (value > 0) return value;
  console.error(`bench: ${name} must be a positive number, not ${process.env[name]}`);
  process.exit(1);
};
const CONFIG = {
  rounds: setting("BENCH_ROUNDS", 3),
  seconds: setting("BENCH_SECONDS", 4),
  upstreamMs: setting("BENCH_UPSTREAM_MS", 20),
  // A server just started runs cold: its JIT has not optimised the request path yet and its heap
  // is still growing. With 1 s at 16 connections, KeyPool's first JSON round took 515-532 µs a
  // request and the later ones 292-409; the measured rounds are meant to show the steady state.
  warmupSeconds: setting("BENCH_WARMUP_SECONDS", 5),
  warmupConnections: 64,
  timeoutMs: 10_000,
  streamChunks: 20,
  memoryStreams: 200,
  // 20 chunks + usage + [DONE] at 150 ms: each stream stays open about 3.3 s.
  memoryChunkIntervalMs: 150,
  memoryAfterMs: 5_000,
};
const TARGETS = { direct: "direct", bare: "bare forwarder", keypool: "KeyPool" };
const HAS_SOCAT = (() => {
  try {
    execFileSync("socat", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const RELAYS = { ...(HAS_SOCAT ? { socat: "byte relay, socat" } : {}), relay: "byte relay, Node" };
const LABELS = { ...TARGETS, ...RELAYS };
const THROUGHPUT_TARGETS = Object.keys(TARGETS);
const LATENCY_TARGETS = ["direct", ...Object.keys(RELAYS), "bare", "keypool"];
const THRESHOLDS = { ratio: 0.9, addedP50Ms: 0.5, addedP99Ms: 2, addedTtfbMs: 2, peakRssMb: 300 };
const ADMIN_KEY = "bench-admin-key-0123456789abcdef";
const POOL_KEYS = ["A", "B", "C"].map((letter) => `sk-bench-${letter.repeat(40)}`);
const CHAT_PATH = "/v1/chat/completions";
const HEADERS = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
const MESSAGES = [
  { role: "system", content: "You are a helpful assistant. Answer briefly." },
  { role: "user", content: "Give me three ideas for naming a proxy that rotates API keys." },
];
const BODIES = {
  json: JSON.stringify({ model: "gpt-4o-mini", messages: MESSAGES, temperature: 0.7 }),
  stream: JSON.stringify({ model: "gpt-4o-mini", messages: MESSAGES, stream: true, stream_options: { include_usage: true } }),
};
const CASES = [
  { kind: "throughput", mode: "json", connections: 64, targets: THROUGHPUT_TARGETS },
  { kind: "throughput", mode: "stream", connections: 64, targets: THROUGHPUT_TARGETS },
  { kind: "latency", mode: "json", connections: 1, targets: LATENCY_TARGETS },
  { kind: "latency", mode: "stream", connections: 1, targets: LATENCY_TARGETS },
];
const MEASUREMENTS = CASES.reduce((sum, c) => sum + c.targets.length, 0) * CONFIG.rounds;
// The measurements and the warm-up, plus about a minute for starting KeyPool twice, memory, log and cursor.
const WARMUPS = Object.keys(LABELS).length * Object.keys(BODIES).length;
const ESTIMATE_SECONDS = MEASUREMENTS * (CONFIG.seconds + 0.4) + WARMUPS * CONFIG.warmupSeconds + 60;
// Timeouts (up to 10 s past a window) can stretch the run; twice the estimate means something hangs.
const MAX_SECONDS = setting("BENCH_MAX_SECONDS", Math.ceil(2 * ESTIMATE_SECONDS));

// ---------------------------------------------------------------------------------------------
// Child processes. Every one is registered so that any way out (end, error, Ctrl-C, the time cap)
// kills them all: the exit handler runs synchronously, so it can only SIGKILL. A child that dies
// while it is still needed ends the run at once: the numbers after it would mean nothing.

const children = new Set();
const stopping = new WeakSet();
let dataDir = null;

function register(child, name, details = () => "") {
  children.add(child);
  child.once("exit", (code, signal) => {
    children.delete(child);
    if (stopping.has(child)) return;
    console.error(`bench: ${name} exited unexpectedly (code ${code}, signal ${signal}); stopping the run.${details()}`);
    process.exit(1);
  });
  return child;
}

process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));

/** Forks a bench server (fake upstream, bare forwarder) and waits for the port it reports. */
function forkServer(file, env) {
  const child = register(fork(path.join(BENCH, file), [], { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] }), file);
  return new Promise((resolve) => {
    child.once("message", ({ port }) => resolve({ child, url: `http://127.0.0.1:${port}` }));
  });
}

function assertBuilt() {
  if (!fs.existsSync(path.join(ROOT, ".next", "required-server-files.json"))) {
    console.error("KeyPool is not built: run `npm run build` first, then `npm run bench`.");
    process.exit(1);
  }
}

/** socat relaying every connection to the fake upstream, once it accepts connections. */
async function startSocat(upstreamUrl) {
  const port = await freePort();
  const upstream = new URL(upstreamUrl);
  const child = register(spawn("socat", [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork,nodelay`, `TCP:${upstream.hostname}:${upstream.port},nodelay`], { stdio: "ignore" }), "socat");
  const accepts = () =>
    new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  const deadline = Date.now() + 10_000;
  while (!(await accepts())) {
    if (Date.now() > deadline) throw new Error(`socat did not listen on port ${port} within 10 s`);
    await sleep(100);
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Starts the built KeyPool on dataDir; its own log goes to a file there, shown if it fails. */
async function startKeyPool(upstreamUrl, attempt) {
  const port = await freePort();
  const logFile = path.join(dataDir, `keypool-${attempt}.log`);
  const log = fs.openSync(logFile, "a");
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: `file:${path.join(dataDir, "keypool.db")}`,
    OPENAI_BASE_URL: `${upstreamUrl}/v1`,
    ADMIN_KEY,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  // Its log is deleted with the data dir at the end, so the tail is shown if it dies.
  const details = () => ` Last lines of its log:\n${logTail(logFile)}`;
  const child = register(spawn(process.execPath, startArgs(), { cwd: ROOT, env, stdio: ["ignore", log, log] }), "KeyPool", details);
  fs.closeSync(log);
  const keypool = { child, pid: child.pid, url: `http://127.0.0.1:${port}` };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const healthy = await request(`${keypool.url}/api/health`).then(
      async (answer) => (await answer.body.dump(), answer.statusCode === 200),
      () => false,
    );
    if (healthy) return keypool;
    await sleep(200);
  }
  throw new Error(`KeyPool did not become healthy on ${keypool.url} within 60 s.${details()}`);
}

function logTail(file) {
  return fs.readFileSync(file, "utf8").trim().split("\n").slice(-15).join("\n");
}

/** SIGTERM, as an orchestrator would stop it, and wait: KeyPool flushes its log and cursor then. */
async function stopKeyPool(keypool) {
  stopping.add(keypool.child);
  const exited = new Promise((resolve) => keypool.child.once("exit", resolve));
  keypool.child.kill("SIGTERM");
  const timer = setTimeout(() => keypool.child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

async function callJson(url, { method = "GET", body } = {}) {
  const answer = await request(url, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await answer.body.json().catch(() => null);
  if (answer.statusCode >= 300) throw new Error(`${method} ${url} answered ${answer.statusCode}: ${JSON.stringify(json)}`);
  return json;
}

// ---------------------------------------------------------------------------------------------
// Load generator: one forked process for the whole run (bench/load.mjs), driven over IPC. Runs
// never overlap, so the next message from it is the answer to the last spec sent.

function startLoad() {
  const child = register(fork(path.join(BENCH, "load.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }), "load generator");
  return {
    run: (spec) =>
      new Promise((resolve) => {
        child.once("message", resolve);
        child.send({ path: CHAT_PATH, headers: HEADERS, timeoutMs: CONFIG.timeoutMs, ...spec });
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Requests each target was sent; KeyPool's count is what its request log must reach. */
const sent = Object.fromEntries(Object.keys(LABELS).map((target) => [target, 0]));

/** Each target's pid, for its CPU time (the direct target is the fake upstream itself; socat relays in forked children, so none). */
const pids = Object.fromEntries(Object.keys(LABELS).map((target) => [target, null]));

/** CPU time in µs of a process (all threads) and of its main thread, from /proc; null elsewhere. */
function cpuUs(pid) {
  const ticks = (file) => {
    const fields = fs.readFileSync(file, "utf8").split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]);
  };
  try {
    const tickUs = 1e6 / 100;
    return { process: ticks(`/proc/${pid}/stat`) * tickUs, mainThread: ticks(`/proc/${pid}/task/${pid}/stat`) * tickUs };
  } catch {
    return null;
  }
}

/** KeyPool's time in young-generation GC pauses so far, in µs, from its /metrics; null when unreadable. */
async function youngGcUs(origin) {
  try {
    const answer = await request(`${origin}/metrics`, { headers: HEADERS });
    const text = await answer.body.text();
    const sum = /^keypool_nodejs_gc_duration_seconds_sum\{kind="minor"\} (\S+)$/m.exec(text);
    return sum ? Number(sum[1]) * 1e6 : null;
  } catch {
    return null;
  }
}

async function measure(load, origins, target, spec) {
  // Read outside the CPU window: the scrape costs KeyPool some CPU of its own.
  const gcBefore = target === "keypool" ? await youngGcUs(origins.keypool) : null;
  const before = pids[target] ? cpuUs(pids[target]) : null;
  const result = await load.run({ origin: origins[target], ...spec });
  const after = pids[target] ? cpuUs(pids[target]) : null;
  const gcAfter = gcBefore === null ? null : await youngGcUs(origins.keypool);
  sent[target] += result.sent;
  // CPU per request is steadier than req/s on a shared machine: it does not depend on who else runs.
  const per = (pick) => (before && after && result.sent > 0 ? (pick(after) - pick(before)) / result.sent : null);
  const youngGcUsPerRequest = gcBefore !== null && gcAfter !== null && result.sent > 0 ? (gcAfter - gcBefore) / result.sent : null;
  return { ...result, cpuUsPerRequest: { process: per((cpu) => cpu.process), mainThread: per((cpu) => cpu.mainThread) }, youngGcUsPerRequest };
}

async function warmUp(load, origins) {
  for (const target of Object.keys(LABELS)) {
    for (const body of Object.values(BODIES)) {
      await measure(load, origins, target, { body, connections: CONFIG.warmupConnections, durationMs: CONFIG.warmupSeconds * 1000 });
    }
  }
}

/** rounds[r][caseIndex][target] = the load generator's result. */
async function measureRounds(load, origins) {
  const rounds = [];
  for (let round = 0; round < CONFIG.rounds; round += 1) {
    const results = CASES.map(() => ({}));
    for (const [index, { mode, connections, targets }] of CASES.entries()) {
      // The starting target moves each round, so no target always runs right after the same one.
      for (let step = 0; step < targets.length; step += 1) {
        const target = targets[(round + step) % targets.length];
        results[index][target] = await measure(load, origins, target, { body: BODIES[mode], connections, durationMs: CONFIG.seconds * 1000 });
        // Lets the last target's leftovers (closing sockets, GC) settle outside the next window.
        await sleep(250);
      }
    }
    rounds.push(results);
    console.error(`round ${round + 1}/${CONFIG.rounds} done`);
  }
  return rounds;
}

/** VmRSS of one process in MB: /proc on Linux, ps elsewhere. */
function rssMb(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
    return kb / 1024;
  } catch {
    return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024;
  }
}

async function memoryCase(load, origins, keypool) {
  await sleep(2_000);
  const idleMb = rssMb(keypool.pid);
  let peakMb = idleMb;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(keypool.pid));
  }, 100);
  const body = JSON.stringify({ ...JSON.parse(BODIES.stream), bench_stream: { interval_ms: CONFIG.memoryChunkIntervalMs } });
  const streams = await measure(load, origins, "keypool", { body, connections: CONFIG.memoryStreams, requests: CONFIG.memoryStreams }).finally(() => clearInterval(sampler));
  await sleep(CONFIG.memoryAfterMs);
  return { streams: CONFIG.memoryStreams, idleMb, peakMb, afterMb: rssMb(keypool.pid), result: streams };
}

/** Waits until the log's row count reaches the requests sent, or stops moving for 3 s (30 s cap). */
async function rowsCase(keypool) {
  const count = async () => (await callJson(`${keypool.url}/api/usage?pageSize=1`)).total;
  const deadline = Date.now() + 30_000;
  let rows = await count();
  let stableSince = Date.now();
  while (rows !== sent.keypool && Date.now() - stableSince < 3_000 && Date.now() < deadline) {
    await sleep(250);
    const now = await count();
    if (now !== rows) stableSince = Date.now();
    rows = now;
  }
  return { sent: sent.keypool, rows, match: rows === sent.keypool };
}

/** One JSON chat request through KeyPool, and the key the fake upstream saw it use. */
async function keyOfNextRequest(keypool, fakeUrl) {
  const answer = await request(`${keypool.url}${CHAT_PATH}`, { method: "POST", headers: HEADERS, body: BODIES.json });
  await answer.body.dump();
  if (answer.statusCode !== 200) throw new Error(`KeyPool answered ${answer.statusCode} to a chat request`);
  const { data } = await callJson(`${fakeUrl}/_bench/auth-log`);
  const key = data.at(-1)?.replace(/^Bearer /, "");
  return POOL_KEYS.includes(key) ? key : `unknown (${key})`;
}

/**
 * The rotation must go on across a restart. freshKey is the key a pool without a stored cursor
 * starts with (the first request ever sent); stopping right after that key makes a lost cursor
 * show, since a restart that forgot it would start with that same key again.
 */
async function cursorCase(keypool, fakeUrl, freshKey) {
  const cycle = [];
  for (let i = 0; i < POOL_KEYS.length; i += 1) cycle.push(await keyOfNextRequest(keypool, fakeUrl));
  const outcome = { cycle, before: [...cycle] };
  if (new Set(cycle).size !== POOL_KEYS.length || !cycle.includes(freshKey)) {
    return { ...outcome, pass: false, reason: `3 requests in a row used ${cycle.join(", ")}, not the 3 keys in turn` };
  }
  while (outcome.before.at(-1) !== freshKey) outcome.before.push(await keyOfNextRequest(keypool, fakeUrl));
  await stopKeyPool(keypool);
  const restarted = await startKeyPool(fakeUrl, 2);
  outcome.after = [];
  for (let i = 0; i < POOL_KEYS.length; i += 1) outcome.after.push(await keyOfNextRequest(restarted, fakeUrl));
  const start = cycle.indexOf(freshKey);
  outcome.expected = POOL_KEYS.map((_, i) => cycle[(start + 1 + i) % cycle.length]);
  outcome.pass = outcome.after.every((key, i) => key === outcome.expected[i]);
  return { ...outcome, keypool: restarted };
}

// ---------------------------------------------------------------------------------------------
// Summary: medians over the rounds. Ratios and added milliseconds are taken within each round
// (same moment, same machine load) against direct, then the median of those is reported.

/** The values that were measured (a failed or empty window gives null). */
const measured = (values) => values.filter((value) => value !== null && Number.isFinite(value));

function median(values) {
  const known = measured(values).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 ? known[mid] : (known[mid - 1] + known[mid]) / 2;
}

/** The lowest and highest of the known values, so a reader sees how far the rounds spread. */
function spread(values) {
  const known = measured(values);
  return known.length === 0 ? null : { min: Math.min(...known), max: Math.max(...known) };
}

/** Requests per second against direct's in the same round. */
const ratio = (r, d) => (d.reqPerSec > 0 ? r.reqPerSec / d.reqPerSec : null);
const minus = (a, b) => (a === null || b === null ? null : a - b);

function summarizeCase(rounds, index) {
  const perRound = rounds.map((round) => round[index]);
  const summary = {};
  for (const target of CASES[index].targets) {
    const of = (pick) => median(perRound.map((results) => pick(results[target], results.direct)));
    const sum = (pick) => perRound.reduce((total, results) => total + pick(results[target]), 0);
    summary[target] = {
      reqPerSec: of((r) => r.reqPerSec),
      ratioToDirect: of(ratio),
      ratioSpread: spread(perRound.map((results) => ratio(results[target], results.direct))),
      // What the proxy itself costs, apart from the load it shares the machine with.
      ratioToForwarder: median(perRound.map((results) => ratio(results[target], results.bare))),
      overForwarderP50Ms: median(perRound.map((results) => minus(results[target].latencyMs.p50, results.bare.latencyMs.p50))),
      p50Ms: of((r) => r.latencyMs.p50),
      p99Ms: of((r) => r.latencyMs.p99),
      ttfbP50Ms: of((r) => r.ttfbMs.p50),
      ttfbP99Ms: of((r) => r.ttfbMs.p99),
      addedP50Ms: of((r, d) => minus(r.latencyMs.p50, d.latencyMs.p50)),
      addedP99Ms: of((r, d) => minus(r.latencyMs.p99, d.latencyMs.p99)),
      addedTtfbP50Ms: of((r, d) => minus(r.ttfbMs.p50, d.ttfbMs.p50)),
      addedTtfbP99Ms: of((r, d) => minus(r.ttfbMs.p99, d.ttfbMs.p99)),
      cpuUsPerRequest: of((r) => r.cpuUsPerRequest?.process ?? null),
      mainThreadCpuUsPerRequest: of((r) => r.cpuUsPerRequest?.mainThread ?? null),
      youngGcUsPerRequest: of((r) => r.youngGcUsPerRequest ?? null),
      sent: sum((r) => r.sent),
      timeouts: sum((r) => r.timeouts),
      non2xx: sum((r) => r.non2xx),
      errors: sum((r) => r.errors),
      errorSamples: [...new Set(perRound.flatMap((results) => results[target].errorSamples))],
    };
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Report

const num = (value, digits = 1) => (value === null ? "—" : value.toFixed(digits));
const signed = (value, digits = 2) => (value === null ? "—" : `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`);
const mark = (ok) => (ok === null ? "?" : ok ? "✅" : "❌");
const atMost = (value, limit) => (value === null ? null : value <= limit);
const modeName = { json: "JSON", stream: `stream (${CONFIG.streamChunks} chunks)` };

/** A markdown table; the first `textColumns` columns are left-aligned, the numbers right-aligned. */
function table(header, rows, textColumns = 2) {
  const align = header.map((_, i) => (i < textColumns ? "---" : "---:")).join("|");
  return [`| ${header.join(" | ")} |`, `|${align}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
}

function report(results) {
  const { machine, cases, memory, rows, cursor } = results;
  const lines = [];
  lines.push(`# KeyPool bench — ${results.date}`, "");
  lines.push(`Machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, ${machine.platform}.`);
  lines.push(
    `Settings: ${CONFIG.rounds} round${CONFIG.rounds === 1 ? "" : "s"} × ${CONFIG.seconds} s per measurement after ${CONFIG.warmupSeconds} s of warm-up per target and mode at ${CONFIG.warmupConnections} connections, upstream latency ${CONFIG.upstreamMs} ms, request timeout ${CONFIG.timeoutMs / 1000} s.`,
    "Numbers are the median of the rounds; ratios and added ms are taken per round against direct, then the median. Timeouts, non-2xx and errors are summed over the rounds.",
    "",
  );

  lines.push("## Throughput (64 connections)", "");
  const throughputRows = [];
  for (const c of cases.filter((c) => c.kind === "throughput")) {
    for (const [target, label] of Object.entries(TARGETS)) {
      const s = c.summary[target];
      const toForwarder = target === "keypool" ? `${num(s.ratioToForwarder, 2)}×` : "";
      throughputRows.push([modeName[c.mode], label, num(s.reqPerSec, 0), `${num(s.ratioToDirect, 2)}×`, s.ratioSpread ? `${num(s.ratioSpread.min, 2)}–${num(s.ratioSpread.max, 2)}` : "", toForwarder, num(s.p50Ms), num(s.p99Ms), num(s.cpuUsPerRequest, 0), num(s.mainThreadCpuUsPerRequest, 0), num(s.youngGcUsPerRequest, 1), s.timeouts, s.non2xx, s.errors + (s.errorSamples.length ? ` (${s.errorSamples.join(", ")})` : "")]);
    }
  }
  lines.push(table(["case", "target", "req/s", "× direct", "rounds' range", "× forwarder", "p50 ms", "p99 ms", "CPU µs/req", "main thread µs/req", "young GC µs/req", "timeouts", "non-2xx", "errors"], throughputRows), "");
  lines.push("× forwarder: KeyPool's requests per second against the bare forwarder's in the same round (median of the rounds): what KeyPool does beyond forwarding, apart from the machine's load.", "");
  lines.push("CPU µs/req: the target process's CPU time (all threads, and its main thread alone) per request in the window; for direct, the fake upstream's. Young GC µs/req: KeyPool's young-generation GC pauses per request (its /metrics), which stop its main thread.", "");

  lines.push("## Latency (1 connection)", "");
  const latencyRows = [];
  for (const c of cases.filter((c) => c.kind === "latency")) {
    for (const target of c.targets) {
      const label = LABELS[target];
      const s = c.summary[target];
      const ttfb = c.mode === "stream";
      latencyRows.push([modeName[c.mode], label, num(s.p50Ms, 2), num(s.p99Ms, 2), signed(s.addedP50Ms), target === "keypool" ? signed(s.overForwarderP50Ms) : "", signed(s.addedP99Ms), ttfb ? num(s.ttfbP50Ms, 2) : "", ttfb ? signed(s.addedTtfbP50Ms) : "", ttfb ? signed(s.addedTtfbP99Ms) : "", s.timeouts + s.non2xx + s.errors]);
    }
  }
  lines.push(table(["case", "target", "p50 ms", "p99 ms", "added p50", "p50 over forwarder", "added p99", "TTFB p50 ms", "added TTFB p50", "added TTFB p99", "failed"], latencyRows), "");
  lines.push("p50 over forwarder: KeyPool's p50 minus the bare forwarder's in the same round (median of the rounds): what KeyPool adds at one connection beyond what a plain Node proxy costs on this machine.", "");
  lines.push(`Byte relays pass bytes without handling HTTP: what they add is the extra hop itself (through the kernel${HAS_SOCAT ? ", socat" : ""}; and Node's event loop and sockets, the Node relay). The bare forwarder adds Node's HTTP on both sides to it.${HAS_SOCAT ? "" : " (socat is not installed: `apt-get install socat` adds the native relay.)"}`, "");

  const m = memory.result;
  lines.push(`## Memory (${memory.streams} open streams through KeyPool, ~${((CONFIG.streamChunks + 2) * CONFIG.memoryChunkIntervalMs) / 1000} s each)`, "");
  lines.push(table(["RSS idle MB", "RSS peak MB", `RSS ${CONFIG.memoryAfterMs / 1000} s after MB`, "streams ok", "timeouts", "non-2xx", "errors"], [[num(memory.idleMb), num(memory.peakMb), num(memory.afterMb), `${m.ok}/${m.sent}`, m.timeouts, m.non2xx, m.errors]], 0), "");

  lines.push("## Request log", "");
  lines.push(`Requests sent to KeyPool: ${rows.sent}; rows logged once settled: ${rows.rows}; ${rows.match ? "match" : "MISMATCH"}.`, "");

  lines.push("## Rotation cursor across a restart (SIGTERM, start on the same data dir)", "");
  const short = (keys = []) => keys.map((key) => (POOL_KEYS.includes(key) ? key.slice(9, 10) : key)).join(" ");
  lines.push(`Keys before the restart: ${short(cursor.before)}; after: ${short(cursor.after)}; expected after: ${short(cursor.expected)} → ${cursor.pass ? "pass" : "FAIL"}${cursor.reason ? ` (${cursor.reason})` : ""}.`, "");

  lines.push("## Targets", "");
  lines.push(table(["check", "target", "bare forwarder", "KeyPool", "KeyPool meets"], checks(results).map((c) => [c.name, c.target, c.bare, c.keypool, mark(c.pass)])), "");
  return lines.join("\n");
}

function checks({ cases, memory, rows, cursor }) {
  const list = [];
  const find = (kind, mode) => cases.find((c) => c.kind === kind && c.mode === mode).summary;
  for (const mode of ["json", "stream"]) {
    const s = find("throughput", mode);
    list.push({ name: `throughput, ${modeName[mode]}`, target: `≥ ${THRESHOLDS.ratio}× direct, no timeouts`, bare: `${num(s.bare.ratioToDirect, 2)}×`, keypool: `${num(s.keypool.ratioToDirect, 2)}×`, pass: s.keypool.ratioToDirect === null ? null : s.keypool.ratioToDirect >= THRESHOLDS.ratio && s.keypool.timeouts === 0 });
  }
  for (const mode of ["json", "stream"]) {
    const s = find("latency", mode);
    list.push({ name: `added p50, ${modeName[mode]}`, target: `≤ ${THRESHOLDS.addedP50Ms} ms`, bare: signed(s.bare.addedP50Ms), keypool: signed(s.keypool.addedP50Ms), pass: atMost(s.keypool.addedP50Ms, THRESHOLDS.addedP50Ms) });
    list.push({ name: `added p99, ${modeName[mode]}`, target: `≤ ${THRESHOLDS.addedP99Ms} ms`, bare: signed(s.bare.addedP99Ms), keypool: signed(s.keypool.addedP99Ms), pass: atMost(s.keypool.addedP99Ms, THRESHOLDS.addedP99Ms) });
  }
  const stream = find("latency", "stream");
  list.push({ name: "added TTFB p99, stream", target: `≤ ${THRESHOLDS.addedTtfbMs} ms`, bare: signed(stream.bare.addedTtfbP99Ms), keypool: signed(stream.keypool.addedTtfbP99Ms), pass: atMost(stream.keypool.addedTtfbP99Ms, THRESHOLDS.addedTtfbMs) });
  list.push({ name: `peak RSS, ${memory.streams} open streams`, target: `≤ ${THRESHOLDS.peakRssMb} MB`, bare: "", keypool: `${num(memory.peakMb)} MB`, pass: memory.peakMb <= THRESHOLDS.peakRssMb && memory.result.ok === memory.streams });
  list.push({ name: "log rows = requests sent", target: "equal", bare: "", keypool: `${rows.rows} / ${rows.sent}`, pass: rows.match });
  list.push({ name: "rotation continues after restart", target: "pass", bare: "", keypool: cursor.pass ? "pass" : "fail", pass: cursor.pass });
  return list;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  assertBuilt();
  console.error(`bench: ${MEASUREMENTS} measurements of ${CONFIG.seconds} s, then memory, log rows and cursor: about ${Math.ceil(ESTIMATE_SECONDS / 60)} min, stopped at ${MAX_SECONDS} s`);

  const fake = await forkServer("fake-upstream.mjs", { BENCH_UPSTREAM_MS: String(CONFIG.upstreamMs), BENCH_STREAM_CHUNKS: String(CONFIG.streamChunks) });
  const bare = await forkServer("bare-forwarder.mjs", { UPSTREAM_URL: fake.url });
  const relay = await forkServer("byte-relay.mjs", { UPSTREAM_URL: fake.url });
  const socat = HAS_SOCAT ? await startSocat(fake.url) : null;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keypool-bench-"));
  let keypool = await startKeyPool(fake.url, 1);
  await callJson(`${keypool.url}/api/keys`, { method: "POST", body: { keys: POOL_KEYS } });
  // The very first request shows which key a pool with no stored cursor starts with.
  const freshKey = await keyOfNextRequest(keypool, fake.url);
  sent.keypool += 1;

  const load = startLoad();
  const origins = { direct: fake.url, bare: bare.url, keypool: keypool.url, relay: relay.url, socat: socat?.url };
  Object.assign(pids, { direct: fake.child.pid, bare: bare.child.pid, keypool: keypool.pid, relay: relay.child.pid });
  await warmUp(load, origins);
  const rounds = await measureRounds(load, origins);
  console.error("memory case");
  const memory = await memoryCase(load, origins, keypool);
  console.error("waiting for the request log to settle");
  const rows = await rowsCase(keypool);
  console.error("restarting KeyPool for the cursor case");
  const { keypool: restarted, ...cursor } = await cursorCase(keypool, fake.url, freshKey);
  keypool = restarted ?? keypool;
  await stopKeyPool(keypool);

  const cpus = os.cpus();
  const results = {
    date: new Date().toISOString(),
    machine: { cores: cpus.length, cpu: cpus[0]?.model ?? "unknown", node: process.version, platform: `${os.platform()} ${os.arch()}` },
    config: CONFIG,
    thresholds: THRESHOLDS,
    cases: CASES.map((c, index) => ({ ...c, summary: summarizeCase(rounds, index) })),
    memory,
    rows,
    cursor,
    rounds,
  };
  results.checks = checks(results);
  console.log(report(results));
  const resultsDir = path.join(BENCH, "results");
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${results.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Full results: ${path.relative(ROOT, file)}`);
}

const cap = setTimeout(() => {
  console.error(`bench: stopped after ${MAX_SECONDS} s (BENCH_MAX_SECONDS)`);
  process.exit(1);
}, MAX_SECONDS * 1000);

main().then(
  () => {
    clearTimeout(cap);
    process.exit(0);
  },
  (error) => {
    console.error(`bench failed: ${error.stack ?? error}`);
    process.exit(1);
  },
);
