import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { adminFetch, keyStatuses, replacePool, postChat, startKeyPool, type KeyPoolServer } from "../helpers/keypool";
import { sleep } from "../helpers/raw-http";

// An outage is not the keys' fault: when attempts on different keys fail alike, the breaker opens,
// clients get a fast 503 with Retry-After, one probe at a time tests the upstream, and traffic
// flows again once it answers. No key changes status meanwhile.

let upstream: FakeOpenAI;
let server: KeyPoolServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { UPSTREAM_TIMEOUT_MS: "300", MAX_RETRIES: "3" } });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

const chat = (stream = false) => postChat(server, { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream });

const statuses = () => keyStatuses(server);

const health = async () => (await (await fetch(`${server.url}/api/health`)).json()) as { status: string; reason: string | null; upstream: { breaker: string } };

describe("circuit breaker", () => {
  it("opens when keys fail alike, answers fast meanwhile, lets one probe through at a time, and closes when the upstream answers", async () => {
    const { keys } = await replacePool(server, upstream, "hang", "hang", "hang");

    // Two requests meet five timeouts on three keys: the breaker opens.
    expect((await chat()).status).toBe(504);
    expect((await chat()).status).toBe(504);

    const callsWhenOpen = upstream.calls.length;
    const refused = await Promise.all(Array.from({ length: 5 }, () => chat()));
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_unavailable");
    }
    // Nothing reached the upstream while the breaker was open.
    expect(upstream.calls.length).toBe(callsWhenOpen);
    expect(await health()).toMatchObject({ status: "degraded", upstream: { breaker: "open" }, reason: expect.stringContaining("not answering") });
    expect(await statuses()).toEqual(["active", "active", "active"]);

    // The upstream comes back; its stream headers take a moment, so the probe stays in flight.
    for (const key of keys) upstream.behaviors.set(key, "ok");
    upstream.streamHeaderDelayMs = 800;
    try {
      await sleep(5_200);
      const before = upstream.calls.length;
      const probe = chat(true);
      await sleep(300);
      const meanwhile = await Promise.all(Array.from({ length: 4 }, () => chat()));
      expect(meanwhile.map((response) => response.status)).toEqual([503, 503, 503, 503]);
      // Only the probe reached the upstream.
      expect(upstream.calls.length).toBe(before + 1);
      const probed = await probe;
      expect(probed.status).toBe(200);
      expect(await probed.text()).toContain("data: [DONE]");
    } finally {
      upstream.streamHeaderDelayMs = 0;
    }

    // Closed again: traffic flows, health is ok, and no key was blamed for the outage.
    expect((await chat()).status).toBe(200);
    expect(await health()).toMatchObject({ status: "ok", reason: null, upstream: { breaker: "closed" } });
    expect(await statuses()).toEqual(["active", "active", "active"]);
  });
});
