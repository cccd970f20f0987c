import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, fakeKey, startKeyPool, waitForLog, type KeyPoolServer } from "../helpers/keypool";

let upstream: FakeOpenAI;
let server: KeyPoolServer;

const post = (pathname: string, body: unknown) => adminFetch(server, pathname, { method: "POST", body: JSON.stringify(body) });
const put = (pathname: string, body: unknown) => adminFetch(server, pathname, { method: "PUT", body: JSON.stringify(body) });
const keyCount = async () => ((await (await adminFetch(server, "/api/keys")).json()).data as unknown[]).length;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { MAX_BODY_BYTES: "4096" } });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

describe("keys", () => {
  const one = fakeKey("K001");
  const pasted = [fakeKey("K002"), fakeKey("K003"), fakeKey("K002"), one, "not-a-key", "sk-short"];

  it("adds one key, masked, and refuses it a second time", async () => {
    const created = await post("/api/keys", { key: one, name: "first" });
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body.data[0]).toMatchObject({ name: "first", maskedKey: "sk-...K001", status: "active" });
    expect(JSON.stringify(body)).not.toContain(one.slice(3, -4));
    const again = await post("/api/keys", { key: one });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe("duplicate_key");
  });

  it("bulk-adds a paste, reporting duplicates and malformed lines", async () => {
    const response = await post("/api/keys", { text: pasted.join("\n") });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body.added).toBe(2);
    expect(body.duplicates).toEqual(["sk-...K002", "sk-...K001"]);
    expect(body.malformed).toHaveLength(2);
    expect(await keyCount()).toBe(3);
    const list = await (await adminFetch(server, "/api/keys")).text();
    for (const key of pasted.slice(0, 2)) expect(list).not.toContain(key.slice(3, -4));
  });

  it("renames, disables, enables and deletes", async () => {
    const [first] = (await (await adminFetch(server, "/api/keys")).json()).data as { id: number }[];
    const renamed = await put(`/api/keys/${first?.id}`, { name: "renamed", status: "disabled" });
    expect(await renamed.json()).toMatchObject({ name: "renamed", status: "disabled" });
    expect((await (await fetch(`${server.url}/api/health`)).json()).usableKeys).toBe(2);
    expect((await (await put(`/api/keys/${first?.id}`, { status: "active" })).json()).status).toBe("active");
    expect((await adminFetch(server, `/api/keys/${first?.id}`, { method: "DELETE" })).status).toBe(204);
    const gone = await adminFetch(server, `/api/keys/${first?.id}`, { method: "DELETE" });
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.type).toBe("invalid_request_error");
    expect(await keyCount()).toBe(2);
  });

  it("checks a key upstream and stores the verdict", async () => {
    const bad = fakeKey("BAD1");
    upstream.behaviors.set(bad, "invalid");
    const created = await (await post("/api/keys", { key: bad })).json();
    const checked = await post(`/api/keys/${created.data[0].id}/check`, {});
    expect(checked.status).toBe(200);
    const body = await checked.json();
    expect(body).toMatchObject({ status: "invalid", maskedKey: "sk-...BAD1" });
    expect(body.lastCheckedAt).not.toBeNull();
    expect(body.lastError).not.toContain(bad.slice(3, -4));
    upstream.behaviors.set(bad, "ok");
    expect((await (await post(`/api/keys/${created.data[0].id}/check`, {})).json()).status).toBe("active");
    // The SDK used for checks runs with its retries off: one upstream call per check.
    const checks = upstream.calls.filter((call) => call.key === bad);
    expect(checks).toHaveLength(2);
  });

  it("rejects bad input with an OpenAI-shaped 400 and changes nothing", async () => {
    const before = await keyCount();
    const cases: [string, RequestInit][] = [
      ["/api/keys", { method: "POST", body: "{not json" }],
      ["/api/keys", { method: "POST", body: JSON.stringify({}) }],
      ["/api/keys", { method: "POST", body: JSON.stringify({ keys: [] }) }],
      ["/api/keys", { method: "POST", body: JSON.stringify({ key: "sk-abc" }) }],
      ["/api/keys/1", { method: "PUT", body: JSON.stringify({ status: "invalid" }) }],
      ["/api/keys/abc", { method: "PUT", body: JSON.stringify({ name: "x" }) }],
      ["/api/models/1", { method: "PUT", body: JSON.stringify({}) }],
      ["/api/tokens", { method: "POST", body: JSON.stringify({ name: "" }) }],
      ["/api/chat", { method: "POST", body: JSON.stringify({ model: "gpt-4o-mini", messages: [] }) }],
      ["/api/usage?page=0", { method: "GET" }],
      ["/api/stats?from=yesterday", { method: "GET" }],
    ];
    for (const [pathname, init] of cases) {
      const response = await adminFetch(server, pathname, init);
      expect(response.status, pathname).toBe(400);
      const body = await response.json();
      expect(body.error.type, pathname).toBe("invalid_request_error");
      expect(body.error.message.length, pathname).toBeGreaterThan(3);
    }
    const tooBig = await post("/api/keys", { text: "x".repeat(5000) });
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error.code).toBe("request_too_large");
    expect(await keyCount()).toBe(before);
  });
});

describe("models", () => {
  it("syncs from upstream, keeps edits across syncs, filters enabled", async () => {
    const synced = await post("/api/models/sync", {});
    expect(await synced.json()).toMatchObject({ added: 4, updated: 0, total: 4, keys: { failed: 0 } });
    const models = (await (await adminFetch(server, "/api/models")).json()).data as { id: number; name: string; capabilities: string[] }[];
    const mini = models.find((model) => model.name === "gpt-4o-mini");
    expect(mini?.capabilities).toContain("chat");
    const edited = await put(`/api/models/${mini?.id}`, { description: "small and fast", capabilities: ["chat"], enabled: false });
    expect(await edited.json()).toMatchObject({ description: "small and fast", capabilities: ["chat"], enabled: false });
    expect(await (await post("/api/models/sync", {})).json()).toMatchObject({ added: 0, updated: 4, total: 4 });
    const enabled = (await (await adminFetch(server, "/api/models?enabled=true")).json()).data as { name: string }[];
    expect(enabled.map((model) => model.name)).not.toContain("gpt-4o-mini");
    const all = (await (await adminFetch(server, "/api/models")).json()).data as { name: string; description: string }[];
    expect(all.find((model) => model.name === "gpt-4o-mini")?.description).toBe("small and fast");
    expect((await adminFetch(server, "/api/models/99999", { method: "PUT", body: JSON.stringify({ enabled: true }) })).status).toBe(404);
  });
});

describe("playground, log and stats", () => {
  it("chats through the rotation, says which key served, and logs the call", async () => {
    const response = await post("/api/chat", { model: "gpt-4o-mini", messages: [{ role: "user", content: "playground hello" }], stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(response.headers.get("x-keypool-key")).toMatch(/^sk-.../);
    const text = await response.text();
    expect(text).toContain("data: [DONE]");
    const row = await waitForLog(server, (candidate) => candidate.source === "playground");
    expect(row).toMatchObject({ endpoint: "/v1/chat/completions", model: "gpt-4o-mini", status: 200, stream: true, promptTokens: 11 });
    const detail = await (await adminFetch(server, `/api/usage/${row.id}`)).json();
    expect(JSON.parse(detail.requestBody).messages[0].content).toBe("playground hello");
  });

  it("filters and pages the request log", async () => {
    const client = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
    for (let i = 0; i < 3; i += 1) {
      await fetch(`${server.url}/v1/embeddings`, { method: "POST", headers: client, body: JSON.stringify({ model: "text-embedding-3-small", input: `row ${i}`, encoding_format: "float" }) });
    }
    await waitForLog(server, (row) => row.model === "text-embedding-3-small" && (row.id as number) > 0);
    const deadline = Date.now() + 5000;
    let page = await (await adminFetch(server, "/api/usage?model=text-embedding-3-small&pageSize=2")).json();
    while (page.total < 3 && Date.now() < deadline) page = await (await adminFetch(server, "/api/usage?model=text-embedding-3-small&pageSize=2")).json();
    expect(page.total).toBe(3);
    expect(page.data).toHaveLength(2);
    expect(page.data[0].id).toBeGreaterThan(page.data[1].id);
    const second = await (await adminFetch(server, "/api/usage?model=text-embedding-3-small&pageSize=2&page=2")).json();
    expect(second.data).toHaveLength(1);
    const errors = await (await adminFetch(server, "/api/usage?status=error")).json();
    expect(errors.data.every((row: { status: number }) => row.status >= 400)).toBe(true);
    const future = await (await adminFetch(server, `/api/usage?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)).json();
    expect(future.total).toBe(0);
  });

  it("aggregates stats: totals, today, keys by status, per key, per model and a series", async () => {
    const stats = await (await adminFetch(server, "/api/stats")).json();
    expect(stats.totals.requests).toBe(4);
    expect(stats.today.requests).toBe(4);
    expect(stats.totals.promptTokens).toBe(11 + 3 * 4);
    expect(stats.keys).toMatchObject({ total: 3, active: 3, usable: 3 });
    expect(stats.perModel.find((row: { model: string }) => row.model === "text-embedding-3-small").requests).toBe(3);
    expect(stats.perKey.reduce((sum: number, row: { requests: number }) => sum + row.requests, 0)).toBe(4);
    expect(stats.series.length).toBeGreaterThanOrEqual(24);
    expect(stats.series.length).toBeLessThanOrEqual(25);
    expect(stats.series.reduce((sum: number, point: { requests: number }) => sum + point.requests, 0)).toBe(4);
    const daily = await (await adminFetch(server, `/api/stats?bucket=day&from=${encodeURIComponent(new Date(Date.now() - 7 * 86_400_000).toISOString())}`)).json();
    expect(daily.range.bucket).toBe("day");
    expect(daily.series.length).toBeGreaterThanOrEqual(7);
  });

  it("keeps the logs and counters of in-flight requests through a graceful stop", async () => {
    upstream.chunkDelayMs = 100;
    const streaming = post("/api/chat", { model: "gpt-4o", messages: [{ role: "user", content: "slow" }], stream: true }).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 150));
    const stopped = server.stop();
    expect(await streaming).toContain("[DONE]");
    expect(await stopped).toBe(0);
    upstream.chunkDelayMs = 5;
    server = await startKeyPool({ upstreamUrl: upstream.url, dataDir: server.dataDir });
    const stats = await (await adminFetch(server, "/api/stats")).json();
    expect(stats.totals.requests).toBe(5);
    expect(stats.perModel.find((row: { model: string }) => row.model === "gpt-4o").completionTokens).toBe(7);
    expect(fs.existsSync(server.databasePath)).toBe(true);
  });

  it("cuts streams still running when the grace period ends, still writes their rows, and exits 0", async () => {
    await server.stop();
    server = await startKeyPool({ upstreamUrl: upstream.url, dataDir: server.dataDir, env: { SHUTDOWN_GRACE_MS: "300" } });
    upstream.chunkDelayMs = 400;
    const streaming = post("/api/chat", { model: "gpt-4o", messages: [{ role: "user", content: "too slow" }], stream: true }).then((response) => response.text()).catch(() => "cut");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await streaming).not.toContain("[DONE]");
    upstream.chunkDelayMs = 5;
    server = await startKeyPool({ upstreamUrl: upstream.url, dataDir: server.dataDir });
    const logs = await (await adminFetch(server, "/api/usage?model=gpt-4o")).json();
    expect(logs.total).toBe(2);
    expect(logs.data[0].error).toMatch(/stream ended early: KeyPool is shutting down/);
  });
});
