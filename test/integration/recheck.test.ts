import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { adminFetch, keyStatuses, postChat, replacePool, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

// Keys come back: invalid and exhausted keys are re-checked every KEY_RECHECK_SECONDS and return
// to `active` once the upstream accepts them; a key disabled by hand stays disabled.

let upstream: FakeOpenAI;
let server: KeyPoolServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { KEY_RECHECK_SECONDS: "1" } });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

const chat = () => postChat(server, { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

describe("re-checks", () => {
  it("bring invalid and exhausted keys back when the upstream accepts them again, and leave a disabled key alone", async () => {
    const { keys, ids } = await replacePool(server, upstream, "invalid", "quota", "ok", "ok");
    const [invalid, exhausted, , disabled] = keys;
    await adminFetch(server, `/api/keys/${ids[3]}`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) });
    expect((await chat()).status).toBe(200);
    await expect.poll(() => keyStatuses(server)).toEqual(["invalid", "exhausted", "active", "disabled"]);

    // The upstream takes both keys again (a key fixed, a quota topped up).
    const since = upstream.calls.length;
    upstream.behaviors.set(invalid as string, "ok");
    upstream.behaviors.set(exhausted as string, "ok");
    await expect.poll(() => keyStatuses(server), { timeout: 15_000, interval: 250 }).toEqual(["active", "active", "active", "disabled"]);

    const calls = upstream.calls.slice(since);
    // The invalid key listed models; the exhausted one had to pass a request its quota would refuse.
    expect(calls.filter((call) => call.key === invalid).map((call) => call.path)).toContain("/v1/models");
    const quotaProbe = calls.find((call) => call.key === exhausted);
    expect(quotaProbe).toMatchObject({ method: "POST", path: "/v1/chat/completions", body: { max_tokens: 1 } });
    // The disabled key was never tried, and a manual check or a sync leaves it disabled.
    expect(calls.some((call) => call.key === disabled)).toBe(false);
    const checked = (await (await adminFetch(server, `/api/keys/${ids[3]}/check`, { method: "POST" })).json()) as { status: string; lastCheckedAt: string | null };
    expect(checked.status).toBe("disabled");
    expect(checked.lastCheckedAt).not.toBeNull();
    await adminFetch(server, "/api/models/sync", { method: "POST" });
    expect(await keyStatuses(server)).toEqual(["active", "active", "active", "disabled"]);
  });
});

describe("re-check backoff", () => {
  it("waits twice as long after each failed re-check instead of asking every KEY_RECHECK_SECONDS", async () => {
    const { keys } = await replacePool(server, upstream, "invalid");
    const [bad] = keys as [string];
    expect((await chat()).status).toBe(503);
    expect(await keyStatuses(server)).toEqual(["invalid"]);
    const since = upstream.calls.length;
    const checks = () => upstream.calls.slice(since).filter((call) => call.key === bad).length;
    // With KEY_RECHECK_SECONDS=1 the key would be asked ~10 times in 10 s; doubling waits 1, 2, 4 (then 8) s.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(checks()).toBeGreaterThanOrEqual(2);
    expect(checks()).toBeLessThanOrEqual(4);
    expect(await keyStatuses(server)).toEqual(["invalid"]);
  }, 20_000);
});
