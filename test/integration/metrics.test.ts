import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { costOf } from "@/lib/cost/prices";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, keyStatuses, replacePool, postChat, startKeyPool, type KeyPoolServer } from "../helpers/keypool";
import { labelValues, parsePrometheusText, sampleValue, type Exposition } from "../helpers/prometheus-text";

// GET /metrics counts what the pipeline did, exactly: each scenario reads the figures before and
// after a known number of calls against the fake upstream, whose usage is fixed.

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
/** The fake's usage for a non-streamed chat completion. */
const USAGE = { prompt: 11, completion: 7 };
/** A streamed answer: the fake's six reply words plus one naming the key. */
const STREAM_COMPLETION = 7;

let upstream: FakeOpenAI;
let server: KeyPoolServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  upstream.chunkDelayMs = 20;
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { METRICS_TOKEN, MAX_RETRIES: "1" } });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

function scrapeWith(authorization?: string): Promise<Response> {
  return fetch(`${server.url}/metrics`, { headers: authorization ? { authorization } : {} });
}

async function scrape(): Promise<Exposition> {
  const response = await scrapeWith(`Bearer ${METRICS_TOKEN}`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

function chat(model: string, options: { stream?: boolean; signal?: AbortSignal } = {}): Promise<Response> {
  const streamed = options.stream ? { stream: true, stream_options: { include_usage: true } } : {};
  return postChat(server, { model, messages: [{ role: "user", content: "hi" }], ...streamed }, { signal: options.signal });
}

/** The change of one sample between two scrapes. */
const moved = (before: Exposition, after: Exposition, name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);

describe("GET /metrics", () => {
  it("answers only the admin key and METRICS_TOKEN, with 401 in OpenAI's shape otherwise", async () => {
    for (const authorization of [undefined, "Bearer not-the-right-token-at-all", `Basic ${Buffer.from(`x:${ADMIN_KEY}`).toString("base64")}`]) {
      const response = await scrapeWith(authorization);
      expect(response.status, String(authorization)).toBe(401);
      const body = (await response.json()) as { error: { type: string; code: string; message: string } };
      expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
    }
    const created = await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: "client" }) });
    const clientToken = ((await created.json()) as { token: string }).token;
    expect((await scrapeWith(`Bearer ${clientToken}`)).status).toBe(401);

    for (const token of [ADMIN_KEY, METRICS_TOKEN]) {
      const response = await scrapeWith(`Bearer ${token}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const exposition = parsePrometheusText(await response.text());
      expect(exposition.get("keypool_requests_total")?.type).toBe("counter");
      expect(exposition.get("keypool_request_duration_seconds")?.type).toBe("histogram");
      expect(exposition.get("keypool_process_cpu_seconds_total")?.type).toBe("counter");
      expect(sampleValue(exposition, "keypool_upstream_breaker_open")).toBe(0);
    }
    expect((await fetch(`${server.url}/metrics`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(405);
  });

  it("counts successes, tokens, cost, attempts, durations and rate limits by the calls made", async () => {
    const { ids } = await replacePool(server, upstream, "ok");
    const key = String(ids[0]);
    const model = "gpt-4o-mini";
    const before = await scrape();
    for (let call = 0; call < 3; call += 1) expect((await chat(model)).status).toBe(200);
    const after = await scrape();

    expect(moved(before, after, "keypool_requests_total", { status_class: "2xx", model })).toBe(3);
    expect(moved(before, after, "keypool_requests_total", { status_class: "5xx", model })).toBe(0);
    expect(moved(before, after, "keypool_upstream_attempts_total", { key_id: key, outcome: "success" })).toBe(3);
    expect(moved(before, after, "keypool_tokens_total", { kind: "prompt", model })).toBe(3 * USAGE.prompt);
    expect(moved(before, after, "keypool_tokens_total", { kind: "completion", model })).toBe(3 * USAGE.completion);
    // The fake's JSON answers report 4 of the 11 prompt tokens as cached and 2 of the 7 completion tokens as reasoning.
    expect(moved(before, after, "keypool_tokens_total", { kind: "cached", model })).toBe(3 * 4);
    expect(moved(before, after, "keypool_tokens_total", { kind: "reasoning", model })).toBe(3 * 2);
    const cost = costOf(model, { prompt: USAGE.prompt, cached: 4, completion: USAGE.completion });
    expect(cost).toBeGreaterThan(0);
    expect(moved(before, after, "keypool_cost_usd_total", { model })).toBeCloseTo(3 * (cost as number), 12);
    expect(moved(before, after, "keypool_unpriced_requests_total", { model })).toBe(0);
    expect(moved(before, after, "keypool_request_duration_seconds_count", { model })).toBe(3);
    expect(moved(before, after, "keypool_time_to_first_token_seconds_count", { model })).toBe(0);
    // The fake answers every chat with x-ratelimit-remaining-requests: 4999 and no tokens header.
    expect(sampleValue(after, "keypool_key_ratelimit_remaining", { key_id: key, kind: "requests" })).toBe(4999);
    expect(after.get("keypool_key_ratelimit_remaining")?.samples.some((sample) => sample.labels.kind === "tokens")).toBe(false);
  });

  it("counts a streamed answer with its time to first token, and a stream that broke off after its 200 as a 5xx", async () => {
    const { ids } = await replacePool(server, upstream, "ok");
    const model = "gpt-4o-mini";
    const before = await scrape();
    const streamed = await chat(model, { stream: true });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain("[DONE]");
    const after = await scrape();
    expect(moved(before, after, "keypool_requests_total", { status_class: "2xx", model })).toBe(1);
    expect(moved(before, after, "keypool_time_to_first_token_seconds_count", { model })).toBe(1);
    // The first chunk waits for nothing, the whole answer for eight chunk delays.
    const firstToken = moved(before, after, "keypool_time_to_first_token_seconds_sum", { model });
    const duration = moved(before, after, "keypool_request_duration_seconds_sum", { model });
    expect(firstToken).toBeGreaterThan(0);
    expect(duration).toBeGreaterThan(firstToken);
    expect(moved(before, after, "keypool_tokens_total", { kind: "prompt", model })).toBe(USAGE.prompt);
    expect(moved(before, after, "keypool_tokens_total", { kind: "completion", model })).toBe(STREAM_COMPLETION);
    expect(sampleValue(after, "keypool_key_ratelimit_remaining", { key_id: String(ids[0]), kind: "requests" })).toBe(99);

    const { ids: cutIds } = await replacePool(server, upstream, "cut");
    const cut = await chat(model, { stream: true });
    expect(cut.status).toBe(200);
    await cut.text().catch(() => "");
    const broken = await scrape();
    expect(moved(after, broken, "keypool_requests_total", { status_class: "5xx", model })).toBe(1);
    expect(moved(after, broken, "keypool_requests_total", { status_class: "2xx", model })).toBe(0);
    expect(moved(after, broken, "keypool_upstream_attempts_total", { key_id: String(cutIds[0]), outcome: "success" })).toBe(1);

    // The client leaves mid-stream: no success, and not KeyPool's failure either.
    await replacePool(server, upstream, "long");
    const leaving = new AbortController();
    const left = await chat(model, { stream: true, signal: leaving.signal });
    const reader = left.body?.getReader();
    await reader?.read();
    leaving.abort();
    let gone = broken;
    for (let tries = 0; tries < 100 && moved(broken, gone, "keypool_requests_total", { status_class: "4xx", model }) === 0; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      gone = await scrape();
    }
    expect(moved(broken, gone, "keypool_requests_total", { status_class: "4xx", model })).toBe(1);
    expect(moved(broken, gone, "keypool_requests_total", { status_class: "5xx", model })).toBe(0);
    expect(moved(broken, gone, "keypool_requests_total", { status_class: "2xx", model })).toBe(0);
  });

  it("counts the client's 400 as 4xx, and a key the upstream calls invalid as such, with the keys gauge following the pool", async () => {
    const model = "gpt-4o-mini";
    const { ids: badIds } = await replacePool(server, upstream, "badrequest");
    const before = await scrape();
    expect((await chat(model)).status).toBe(400);
    const after400 = await scrape();
    expect(moved(before, after400, "keypool_requests_total", { status_class: "4xx", model })).toBe(1);
    expect(moved(before, after400, "keypool_upstream_attempts_total", { key_id: String(badIds[0]), outcome: "client_error" })).toBe(1);

    // One key, and the upstream says it is invalid: it leaves rotation, the client gets 503.
    const { ids } = await replacePool(server, upstream, "invalid", "ok", "ok");
    await adminFetch(server, `/api/keys/${ids[2]}`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) });
    await adminFetch(server, `/api/keys/${ids[1]}`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) });
    const beforeInvalid = await scrape();
    expect((await chat(model)).status).toBe(503);
    const afterInvalid = await scrape();
    expect(moved(beforeInvalid, afterInvalid, "keypool_requests_total", { status_class: "5xx", model })).toBe(1);
    expect(moved(beforeInvalid, afterInvalid, "keypool_upstream_attempts_total", { key_id: String(ids[0]), outcome: "invalid" })).toBe(1);
    await adminFetch(server, `/api/keys/${ids[1]}`, { method: "PUT", body: JSON.stringify({ status: "active" }) });

    const statuses = await keyStatuses(server);
    expect(statuses).toEqual(["invalid", "active", "disabled"]);
    const gauge = await scrape();
    for (const status of ["active", "disabled", "invalid", "exhausted", "cooling"]) {
      expect(gauge.get("keypool_keys")?.samples.some((sample) => sample.labels.status === status), status).toBe(true);
      expect(sampleValue(gauge, "keypool_keys", { status }), status).toBe(statuses.filter((candidate) => candidate === status).length);
    }
  });

  it("keeps the model label bounded: made-up names fold into other, catalogue models keep their name", async () => {
    await replacePool(server, upstream, "ok");
    const before = await scrape();
    const names = Array.from({ length: 200 }, (_, index) => `made-up-model-${index}-${Math.random().toString(36).slice(2)}`);
    for (let start = 0; start < names.length; start += 20) {
      const answers = await Promise.all(names.slice(start, start + 20).map((name) => chat(name)));
      for (const answer of answers) expect(answer.status).toBe(200);
    }
    const created = await adminFetch(server, "/api/models", { method: "POST", body: JSON.stringify({ name: "house-model" }) });
    expect(created.status).toBe(201);
    expect((await chat("house-model")).status).toBe(200);
    const after = await scrape();

    expect(moved(before, after, "keypool_requests_total", { status_class: "2xx", model: "other" })).toBe(200);
    expect(moved(before, after, "keypool_unpriced_requests_total", { model: "other" })).toBe(200);
    expect(moved(before, after, "keypool_tokens_total", { kind: "prompt", model: "other" })).toBe(200 * USAGE.prompt);
    expect(moved(before, after, "keypool_requests_total", { status_class: "2xx", model: "house-model" })).toBe(1);
    expect(moved(before, after, "keypool_unpriced_requests_total", { model: "house-model" })).toBe(1);
    for (const family of ["keypool_requests_total", "keypool_tokens_total", "keypool_request_duration_seconds", "keypool_unpriced_requests_total"]) {
      const models = labelValues(after, family, "model");
      expect([...models].filter((model) => model.startsWith("made-up")), family).toEqual([]);
      expect(models.size, family).toBeLessThan(10);
    }
  });
});
