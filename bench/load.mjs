// Load generator for the bench, a long-lived child of bench/run.mjs (forked, IPC): one process for
// the whole run, so its JIT is warm, and never on the event loop of the server it measures.
//
// Message in:  a spec { origin, path, headers, body, connections, timeoutMs, durationMs | requests }
// Message out: its result (see summarize), one run at a time
//
// A closed loop: `connections` workers share one undici Pool with as many keep-alive connections,
// and each sends its next request as soon as its last one is done. With durationMs, workers stop
// starting requests at the deadline and the ones in flight are still waited for (a request ends
// at the latest when it times out), so a slow target shows timeouts rather than lost requests.
// With `requests`, exactly that many are sent.
import { Pool } from "undici";

const ERROR_SAMPLES = 3;
// A target that is down fails at once: without a pause, a worker would spin on it.
const PAUSE_AFTER_ERROR_MS = 50;

class RequestTimeout extends Error {}

/** One request: status, total latency and time to first body byte (first chunk of a stream), in ms. */
function send(pool, spec) {
  return new Promise((resolve) => {
    const start = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RequestTimeout()), spec.timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      resolve({ error, end: performance.now() });
    };
    pool.request({ method: "POST", path: spec.path, headers: spec.headers, body: spec.body, signal: controller.signal }).then(({ statusCode, body }) => {
      let firstByte = 0;
      body.on("data", () => {
        firstByte ||= performance.now();
      });
      body.on("error", fail);
      body.on("end", () => {
        clearTimeout(timer);
        const end = performance.now();
        resolve({ status: statusCode, end, latency: end - start, ttfb: (firstByte || end) - start });
      });
    }, fail);
  });
}

/** Nearest-rank percentile of an ascending array; null when empty. */
function percentile(sorted, q) {
  return sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function summarize(outcomes, windowMs, deadline) {
  const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300);
  const latencies = ok.map((o) => o.latency).sort((a, b) => a - b);
  const ttfbs = ok.map((o) => o.ttfb).sort((a, b) => a - b);
  const failed = outcomes.filter((o) => o.error);
  const timeouts = failed.filter((o) => o.error instanceof RequestTimeout).length;
  const errorSamples = [...new Set(failed.filter((o) => !(o.error instanceof RequestTimeout)).map((o) => o.error.code ?? o.error.message))];
  return {
    sent: outcomes.length,
    ok: ok.length,
    non2xx: outcomes.filter((o) => o.status !== undefined && (o.status < 200 || o.status >= 300)).length,
    errors: failed.length - timeouts,
    timeouts,
    errorSamples: errorSamples.slice(0, ERROR_SAMPLES),
    // Throughput is the rate of 2xx answers that came back inside the measured window.
    reqPerSec: ok.filter((o) => o.end <= deadline).length / (windowMs / 1000),
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? null },
    ttfbMs: { p50: percentile(ttfbs, 0.5), p99: percentile(ttfbs, 0.99) },
  };
}

async function run(spec) {
  const pool = new Pool(spec.origin, { connections: spec.connections, keepAliveTimeout: 60_000 });
  const outcomes = [];
  const start = performance.now();
  const deadline = spec.durationMs ? start + spec.durationMs : Infinity;
  let started = 0;
  const more = () => (spec.requests ? started < spec.requests : performance.now() < deadline);
  const worker = async () => {
    while (more()) {
      started += 1;
      const outcome = await send(pool, spec);
      outcomes.push(outcome);
      if (outcome.error) await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_ERROR_MS));
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const windowMs = spec.durationMs ?? performance.now() - start;
  await pool.destroy();
  return summarize(outcomes, windowMs, deadline);
}

process.on("message", async (spec) => {
  process.send(await run(spec));
});
// The bench is gone (crashed or killed): no reason to stay.
process.on("disconnect", () => process.exit(0));
