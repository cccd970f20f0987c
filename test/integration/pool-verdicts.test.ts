import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type Behavior, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, keyStatuses, replacePool, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

// Verdicts from what an upstream error means: a key is blamed only when OpenAI says the key is
// bad; permission, scope, region and model-access refusals are the request's; a page from a
// gateway is upstream trouble. Each case: what the client got, every key's status afterwards,
// and how many upstream calls were made.

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { MAX_RETRIES: "3" } });
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

type KeyView = { id: number; status: string; lastError: string | null };

const statuses = () => keyStatuses(server);

/** A chat through the pool: the HTTP status and body the client got, and the upstream calls it cost. */
async function chatThrough(...behaviors: Behavior[]): Promise<{ keys: string[]; status: number; body: { error?: { code: string | null; message: string; type: string } }; calls: { key: string; path: string }[] }> {
  const { keys } = await replacePool(server, upstream, ...behaviors);
  const before = upstream.calls.length;
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
  });
  const body = (await response.json()) as { error?: { code: string | null; message: string; type: string } };
  return { keys, status: response.status, body, calls: upstream.calls.slice(before).map(({ key, path }) => ({ key, path })) };
}

describe("refusals that belong to the request", () => {
  it("a scope error of restricted keys goes back as OpenAI sent it after a few keys, and no key is blamed", async () => {
    const result = await chatThrough("scope401", "scope401", "scope401", "scope401", "scope401");
    expect(result.status).toBe(401);
    expect(result.body.error?.message).toContain("Missing scopes: model.request");
    // Stopped after three keys instead of walking the whole pool.
    expect(result.calls.map((call) => call.key)).toEqual(result.keys.slice(0, 3));
    expect(await statuses()).toEqual(["active", "active", "active", "active", "active"]);
  });

  it("a region refusal across the whole pool empties nothing", async () => {
    const result = await chatThrough("region403", "region403", "region403", "region403");
    expect(result.status).toBe(403);
    expect(result.body.error).toMatchObject({ code: "unsupported_country_region_territory", type: "request_forbidden" });
    expect(result.calls).toHaveLength(3);
    expect(await statuses()).toEqual(["active", "active", "active", "active"]);
    // The next request is tried again, not answered 503 for want of keys.
    const again = await chatThrough("region403", "ok");
    expect(again.status).toBe(200);
  });

  it("a key whose project may not use the model is passed over for one that may", async () => {
    const result = await chatThrough("model403", "ok");
    expect(result.status).toBe(200);
    expect(result.calls.map((call) => call.key)).toEqual(result.keys);
    expect(await statuses()).toEqual(["active", "active"]);
  });

  it("an unknown refusal is confirmed with the key before it is blamed: a key that still lists models stays active", async () => {
    const result = await chatThrough("refusechat", "ok");
    expect(result.status).toBe(200);
    const [refusing, good] = result.keys;
    expect(result.calls).toEqual([
      { key: refusing, path: "/v1/chat/completions" },
      { key: refusing, path: "/v1/models" },
      { key: good, path: "/v1/chat/completions" },
    ]);
    expect(await statuses()).toEqual(["active", "active"]);
  });
});

describe("refusals that condemn the key", () => {
  it("a deactivated account marks its key invalid and the next key serves", async () => {
    const result = await chatThrough("deactivated", "ok");
    expect(result.status).toBe(200);
    expect(result.calls.map((call) => call.path)).toEqual(["/v1/chat/completions", "/v1/chat/completions"]);
    expect(await statuses()).toEqual(["invalid", "active"]);
  });

  it("an unknown refusal that the key meets even when listing models marks it invalid", async () => {
    const result = await chatThrough("forbidden", "ok");
    expect(result.status).toBe(200);
    expect(result.calls.map((call) => call.path)).toEqual(["/v1/chat/completions", "/v1/models", "/v1/chat/completions"]);
    expect(await statuses()).toEqual(["invalid", "active"]);
  });
});

describe("answers that are no OpenAI error", () => {
  it("a gateway's HTML 403 is upstream trouble: retried within MAX_RETRIES, answered 502 in OpenAI's shape, no key blamed, and the pool works once the upstream does", async () => {
    const result = await chatThrough("html403", "html403", "html403", "html403", "html403", "html403");
    expect(result.status).toBe(502);
    expect(result.body.error?.message).toContain("instead of an OpenAI error");
    expect(result.body.error?.message).not.toContain("<html>");
    // One try and MAX_RETRIES=3 retries.
    expect(result.calls).toHaveLength(4);
    expect(await statuses()).toEqual(["active", "active", "active", "active", "active", "active"]);

    for (const key of result.keys) upstream.behaviors.set(key, "ok");
    const reply = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(reply.choices[0]?.message.content).toContain("Hello from the fake upstream!");
  });
});

describe("key checks and model sync share the verdicts", () => {
  it("a check that meets a region refusal leaves the key active; one that meets an invalid key marks it", async () => {
    const { keys, ids } = await replacePool(server, upstream, "region403", "invalid");
    const region = (await (await adminFetch(server, `/api/keys/${ids[0]}/check`, { method: "POST" })).json()) as KeyView;
    expect(region.status).toBe("active");
    expect(region.lastError).toContain("Country, region, or territory not supported");
    const invalid = (await (await adminFetch(server, `/api/keys/${ids[1]}/check`, { method: "POST" })).json()) as KeyView;
    expect(invalid.status).toBe("invalid");
    expect(keys).toHaveLength(2);
  });

  it("a sync that meets a region refusal marks no key", async () => {
    await replacePool(server, upstream, "region403", "region403");
    const response = await adminFetch(server, "/api/models/sync", { method: "POST" });
    expect(response.status).toBe(503);
    expect(await statuses()).toEqual(["active", "active"]);
  });
});

describe("rate limits seen before they bite", () => {
  it("a key whose answer says no tokens are left rests until the reset; unreadable values are ignored", async () => {
    const { keys } = await replacePool(server, upstream, "ok", "ok");
    try {
      upstream.extraHeaders = { "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "30s" };
      const before = upstream.calls.length;
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      // Key health is stored off the request's path.
      await expect.poll(statuses).toEqual(["cooling", "active"]);
      upstream.extraHeaders = {};
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      // The resting key is skipped: no 429 was needed to learn it.
      expect(upstream.calls.slice(before).map((call) => call.key)).toEqual([keys[0], keys[1], keys[1]]);

      await replacePool(server, upstream, "ok");
      upstream.extraHeaders = { "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "whenever" };
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      expect(await statuses()).toEqual(["active"]);
    } finally {
      upstream.extraHeaders = {};
    }
  });
});
