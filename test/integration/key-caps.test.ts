import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { adminFetch, postChat, replacePool, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

// Per-key caps: a key at its cap rests until the window turns, without being marked bad.

let upstream: FakeOpenAI;
let server: KeyPoolServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

const chat = () =>
  postChat(server, { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).then(async (response) => ({ status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.text() }));

type KeyView = { id: number; status: string; rpm: number | null; dailyBudgetUsd: number | null; resting: { until: string; reason: string } | null };
const keyView = async (id: number) => ((await (await adminFetch(server, "/api/keys")).json()) as { data: KeyView[] }).data.find((key) => key.id === id);

describe("per-key caps", () => {
  it("rpm: a key at its cap rests (traffic goes to the others, its status stays active) and returns when the minute turns", async () => {
    const { keys, ids } = await replacePool(server, upstream, "ok", "ok");
    const [capped, other] = keys as [string, string];
    const patched = await adminFetch(server, `/api/keys/${ids[0]}`, { method: "PATCH", body: JSON.stringify({ rpm: 2 }) });
    expect(await patched.json()).toMatchObject({ rpm: 2, dailyBudgetUsd: null, resting: null });

    const since = upstream.calls.length;
    for (let i = 0; i < 8; i += 1) expect((await chat()).status).toBe(200);
    const served = upstream.calls.slice(since).map((call) => call.key);
    expect(served.filter((key) => key === capped)).toHaveLength(2);
    expect(served.filter((key) => key === other)).toHaveLength(6);
    const resting = await keyView(ids[0] as number);
    expect(resting).toMatchObject({ status: "active", resting: { reason: "rpm" } });
    const until = Date.parse(resting?.resting?.until ?? "");
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);

    // With the other key disabled, the only key left is resting: a 503 that says when it returns.
    await adminFetch(server, `/api/keys/${ids[1]}`, { method: "PATCH", body: JSON.stringify({ status: "disabled" }) });
    const waiting = await chat();
    expect(waiting.status).toBe(503);
    expect(waiting.body).toContain("resting at its cap");
    expect(Number(waiting.retryAfter)).toBeGreaterThan(0);

    // Once the minute has turned the key serves again, never having been blamed.
    await expect.poll(async () => (await keyView(ids[0] as number))?.resting ?? null, { timeout: 70_000, interval: 1000 }).toBeNull();
    expect((await chat()).status).toBe(200);
    expect(await keyView(ids[0] as number)).toMatchObject({ status: "active" });
  }, 90_000);

  it("dailyBudgetUsd: a key whose cost today reaches its budget rests until the UTC day turns", async () => {
    const { keys, ids } = await replacePool(server, upstream, "ok", "ok");
    const [capped] = keys as [string, string];
    await adminFetch(server, `/api/keys/${ids[0]}`, { method: "PATCH", body: JSON.stringify({ dailyBudgetUsd: 0.000001 }) });
    const since = upstream.calls.length;
    for (let i = 0; i < 6; i += 1) expect((await chat()).status).toBe(200);
    // One call costs more than the budget: after it the key rests.
    expect(upstream.calls.slice(since).filter((call) => call.key === capped)).toHaveLength(1);
    const view = await keyView(ids[0] as number);
    expect(view).toMatchObject({ status: "active", resting: { reason: "dailyBudgetUsd" } });
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(view?.resting?.until).toBe(midnight.toISOString());
  });

  it("refuses a cap that is not a positive number, and changes nothing", async () => {
    const { ids } = await replacePool(server, upstream, "ok");
    const bad = await adminFetch(server, `/api/keys/${ids[0]}`, { method: "PATCH", body: JSON.stringify({ rpm: -1 }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("rpm");
    expect(await keyView(ids[0] as number)).toMatchObject({ rpm: null });
  });
});
