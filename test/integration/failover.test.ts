import fs from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeOpenAI, type Behavior, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, addKeys, adminFetch, fakeKey, startKeyPool, waitForLog, type KeyPoolServer } from "../helpers/keypool";

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let client: OpenAI;
let labels = 0;
const allKeys: string[] = [];

type KeyView = { id: number; status: string; coolingUntil: string | null; lastError: string | null; maskedKey: string };

/** Replaces the pool with fresh keys that behave as given; returns the keys in id order. */
async function pool(...behaviors: Behavior[]): Promise<string[]> {
  const existing = (await (await adminFetch(server, "/api/keys")).json()).data as KeyView[];
  for (const key of existing) await adminFetch(server, `/api/keys/${key.id}`, { method: "DELETE" });
  const keys = behaviors.map((behavior) => {
    const key = fakeKey(`F${(labels += 1)}`);
    upstream.behaviors.set(key, behavior);
    allKeys.push(key);
    return key;
  });
  if (keys.length > 0) await addKeys(server, keys);
  return keys;
}

async function keyViews(): Promise<KeyView[]> {
  return ((await (await adminFetch(server, "/api/keys")).json()).data as KeyView[]).sort((a, b) => a.id - b.id);
}

const chat = () => client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

function callsSince(before: number): string[] {
  return upstream.calls.slice(before).map((call) => call.key);
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { UPSTREAM_TIMEOUT_MS: "800", MAX_RETRIES: "3" } });
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

beforeEach(() => {
  upstream.chunkDelayMs = 5;
  upstream.retryAfterSeconds = "30";
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

describe("key health and failover (SPEC §5)", () => {
  it("401 marks the key invalid and retries on the next key", async () => {
    const [bad, good] = await pool("invalid", "ok");
    const before = upstream.calls.length;
    const reply = await chat();
    expect(reply.choices[0]?.message.content).toContain(good?.slice(-4));
    expect(callsSince(before)).toEqual([bad, good]);
    const [badView, goodView] = await keyViews();
    expect(badView?.status).toBe("invalid");
    expect(badView?.lastError).toContain("Incorrect API key");
    expect(badView?.lastError).not.toContain(bad?.slice(0, 12));
    expect(goodView?.status).toBe("active");
    // The invalid key is out of rotation now.
    const after = upstream.calls.length;
    await chat();
    expect(callsSince(after)).toEqual([good]);
  });

  it("403 marks the key invalid too", async () => {
    await pool("forbidden", "ok");
    await chat();
    expect((await keyViews()).map((key) => key.status)).toEqual(["invalid", "active"]);
  });

  it("429 insufficient_quota marks the key exhausted and retries", async () => {
    await pool("quota", "ok");
    await chat();
    expect((await keyViews()).map((key) => key.status)).toEqual(["exhausted", "active"]);
  });

  it("other 429 cools the key until Retry-After, then takes it back", async () => {
    upstream.retryAfterSeconds = "1";
    const [limited, good] = await pool("ratelimit", "ok");
    const started = Date.now();
    await chat();
    const [cooling] = await keyViews();
    expect(cooling?.status).toBe("cooling");
    const until = new Date(cooling?.coolingUntil ?? 0).getTime();
    expect(until).toBeGreaterThanOrEqual(started + 900);
    expect(until).toBeLessThan(Date.now() + 2000);
    const during = upstream.calls.length;
    await chat();
    expect(callsSince(during)).toEqual([good]);
    upstream.behaviors.set(limited as string, "ok");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 100));
    const after = upstream.calls.length;
    await chat();
    expect(callsSince(after)).toEqual([limited]);
  });

  it("5xx and dropped connections are retried on the next key without blaming the key", async () => {
    const [broken, dropping, good] = await pool("error500", "drop", "ok");
    const before = upstream.calls.length;
    await chat();
    expect(callsSince(before)).toEqual([broken, dropping, good]);
    expect((await keyViews()).map((key) => key.status)).toEqual(["active", "active", "active"]);
  });

  it("a timeout before the first byte is retried on the next key", async () => {
    const [hanging, good] = await pool("hang", "ok");
    const before = upstream.calls.length;
    const reply = await chat();
    expect(reply.choices[0]?.message.content).toContain(good?.slice(-4));
    expect(callsSince(before)).toEqual([hanging, good]);
    expect((await keyViews())[0]?.status).toBe("active");
  });

  it("transient failures are retried at most MAX_RETRIES times, then the upstream error is returned", async () => {
    await pool("error503", "error503", "error503", "error503", "error503", "ok");
    const before = upstream.calls.length;
    const error = await chat().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("overloaded");
    expect(callsSince(before)).toHaveLength(4);
  });

  it("keys leaving the rotation do not count against the bound; 10 attempts at most", async () => {
    const keys = await pool(...Array<Behavior>(4).fill("invalid"), "error500", "ok");
    const before = upstream.calls.length;
    await chat();
    expect(callsSince(before)).toEqual(keys);

    await pool(...Array<Behavior>(12).fill("invalid"));
    const capped = upstream.calls.length;
    const error = await chat().catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(callsSince(capped)).toHaveLength(10);
  });

  it("other 4xx go back to the client untouched and do not blame the key", async () => {
    const [picky] = await pool("badrequest", "ok");
    const before = upstream.calls.length;
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [], temperature: 9 }),
    });
    expect(response.status).toBe(400);
    // The upstream's answer as it came, through the header allow-list: its request id passes, its other headers do not.
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(response.headers.get("x-upstream-marker")).toBeNull();
    expect(await response.json()).toEqual({ error: { message: "Invalid value for 'temperature'.", type: "invalid_request_error", param: null, code: "invalid_value" } });
    expect(callsSince(before)).toEqual([picky]);
    expect((await keyViews())[0]?.status).toBe("active");
  });

  it("answers 503 in OpenAI's shape when no key is usable", async () => {
    await pool();
    const empty = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(empty.status).toBe(503);
    const body = await empty.json();
    expect(body.error).toMatchObject({ type: "server_error", code: "no_available_key" });
    expect(body.error.message).toMatch(/No usable upstream key/);

    await pool("invalid", "invalid");
    const error = await chat().catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);

    // When only cooling keys are left, Retry-After says when the first is back.
    upstream.retryAfterSeconds = "20";
    await pool("ratelimit");
    const cooling = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(cooling.status).toBe(503);
    expect(Number(cooling.headers.get("retry-after"))).toBeGreaterThanOrEqual(19);
    expect(Number(cooling.headers.get("retry-after"))).toBeLessThanOrEqual(20);
  });

  it("a stream cut upstream ends the client's stream and is logged as an error", async () => {
    await pool("cut");
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
    const received: string[] = [];
    const outcome = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    })().then(
      () => "completed",
      () => "failed",
    );
    expect(outcome).toBe("failed");
    expect(received.length).toBeGreaterThan(0);
    const row = await waitForLog(server, (candidate) => typeof candidate.error === "string" && candidate.error.includes("broke off"));
    expect(row).toMatchObject({ status: 200, stream: true });
  });

  it("a client that disconnects aborts the upstream request", async () => {
    await pool("ok");
    upstream.chunkDelayMs = 300;
    const aborts = upstream.streamAborts;
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true },
      { signal: controller.signal },
    );
    for await (const _chunk of stream) {
      controller.abort();
      break;
    }
    const deadline = Date.now() + 5000;
    while (upstream.streamAborts === aborts && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.streamAborts).toBe(aborts + 1);
  });

  it("keeps the log row of a request whose key was deleted while it streamed", async () => {
    await pool("ok");
    upstream.chunkDelayMs = 100;
    const [key] = await keyViews();
    const streaming = fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "deleted mid-stream" }], stream: true }),
    }).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await adminFetch(server, `/api/keys/${key?.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await streaming).toContain("[DONE]");
    const row = await waitForLog(server, (candidate) => candidate.stream === true && candidate.status === 200 && candidate.keyId === null && candidate.error === null);
    expect(row).toMatchObject({ model: "gpt-4o-mini", promptTokens: 11 });
  });

  it("never writes an upstream key to the log, a response or the database file", async () => {
    expect(await server.stop()).toBe(0);
    const files = fs.readdirSync(server.dataDir).map((name) => fs.readFileSync(`${server.dataDir}/${name}`));
    const responses = JSON.stringify(await (async () => {
      server = await startKeyPool({ upstreamUrl: upstream.url, dataDir: server.dataDir });
      const keys = await (await adminFetch(server, "/api/keys")).text();
      const logs = await (await adminFetch(server, "/api/usage?pageSize=200")).text();
      const stats = await (await adminFetch(server, "/api/stats")).text();
      return [keys, logs, stats];
    })());
    for (const key of allKeys) {
      const secretPart = key.slice(3, -4);
      expect(server.output()).not.toContain(secretPart);
      expect(responses).not.toContain(secretPart);
      for (const file of files) expect(file.includes(Buffer.from(secretPart))).toBe(false);
    }
  });
});
