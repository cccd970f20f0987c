import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, addKeys, fakeKey, keyStatuses, replacePool, postChat, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

// Keys learn what they can do: each key's model list routes requests for a model to keys whose
// project has it, a model no key has is answered at once, and refusals are remembered per key.

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

type KeyView = { id: number; status: string; models: number | null; refused: string[] };

async function keyViews(target = server): Promise<KeyView[]> {
  const { data } = (await (await adminFetch(target, "/api/keys")).json()) as { data: KeyView[] };
  return data.sort((a, b) => a.id - b.id);
}

async function chat(model: string, target = server): Promise<{ status: number; body: { error?: { code: string | null; message: string } } }> {
  const response = await postChat(target, { model, messages: [{ role: "user", content: "hi" }] });
  return { status: response.status, body: (await response.json()) as { error?: { code: string | null; message: string } } };
}

const chatCalls = (since: number) => upstream.calls.slice(since).filter((call) => call.path === "/v1/chat/completions");

describe("model lists per key", () => {
  it("sends a model only to keys whose project lists it, and answers a model no key has at once", async () => {
    const { keys } = await replacePool(server, upstream, "ok", "ok", "ok");
    const [plain, special, other] = keys as [string, string, string];
    upstream.modelsByKey.set(plain, ["gpt-4o-mini"]);
    upstream.modelsByKey.set(special, ["gpt-4o-mini", "gpt-special"]);
    upstream.modelsByKey.set(other, ["gpt-4o-mini", "gpt-4o"]);
    const sync = await adminFetch(server, "/api/models/sync", { method: "POST" });
    expect(await sync.json()).toMatchObject({ keys: { synced: 3, failed: 0 } });
    expect((await keyViews()).map((key) => key.models)).toEqual([1, 2, 2]);

    const since = upstream.calls.length;
    for (let i = 0; i < 6; i += 1) expect((await chat("gpt-special")).status).toBe(200);
    expect(new Set(chatCalls(since).map((call) => call.key))).toEqual(new Set([special]));
    expect(chatCalls(since)).toHaveLength(6);
    // Every key still serves what it has: the plain model goes round all three.
    for (let i = 0; i < 3; i += 1) expect((await chat("gpt-4o-mini")).status).toBe(200);
    expect(new Set(chatCalls(since).slice(6).map((call) => call.key))).toEqual(new Set(keys));

    const before = upstream.calls.length;
    const missing = await chat("gpt-nobody-has");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "model_not_found", message: "The model `gpt-nobody-has` does not exist or you do not have access to it." });
    expect(upstream.calls.length).toBe(before);
    expect(await keyStatuses(server)).toEqual(["active", "active", "active"]);
  });

  it("a model refused by one key is remembered for it: later requests skip that key, also after a restart", async () => {
    const { keys, ids } = await replacePool(server, upstream, "ok", "ok");
    const [refusing, serving] = keys as [string, string];
    // Not synced: the pool learns from the refusal itself (the fake answers 404 model_not_found).
    upstream.modelsByKey.set(refusing, ["gpt-4o-mini"]);
    const since = upstream.calls.length;
    for (let i = 0; i < 4; i += 1) expect((await chat("gpt-4o")).status).toBe(200);
    const calls = chatCalls(since);
    expect(calls.filter((call) => call.key === refusing)).toHaveLength(1);
    expect(calls.filter((call) => call.key === serving)).toHaveLength(4);
    const views = await keyViews();
    expect(views.map((key) => key.refused)).toEqual([["model:gpt-4o"], []]);
    expect(views.map((key) => key.status)).toEqual(["active", "active"]);

    // What was learned is stored: a restarted KeyPool still passes the key over.
    await expect.poll(async () => (await adminFetch(server, "/api/keys")).text()).toContain("model:gpt-4o");
    expect(await server.stop()).toBe(0);
    server = await startKeyPool({ upstreamUrl: upstream.url, dataDir: server.dataDir });
    const restarted = upstream.calls.length;
    for (let i = 0; i < 3; i += 1) expect((await chat("gpt-4o")).status).toBe(200);
    expect(chatCalls(restarted).map((call) => call.key)).toEqual([serving, serving, serving]);
    // The refusing key still takes what it may use.
    const mini = upstream.calls.length;
    for (let i = 0; i < 2; i += 1) expect((await chat("gpt-4o-mini")).status).toBe(200);
    expect(chatCalls(mini).map((call) => call.key).sort()).toEqual([...keys].sort());

    // Re-enabling the key by hand gives it another chance.
    await adminFetch(server, `/api/keys/${ids[0]}`, { method: "PUT", body: JSON.stringify({ status: "active" }) });
    expect((await keyViews()).map((key) => key.refused)).toEqual([[], []]);
  });

  it("an endpoint every key lacks the scope for is refused at once once learned", async () => {
    const { keys } = await replacePool(server, upstream, "scope401", "scope401");
    const first = await chat("gpt-4o-mini");
    expect(first.status).toBe(401);
    expect(first.body.error?.message).toContain("Missing scopes");
    expect((await keyViews()).map((key) => key.refused)).toEqual([["endpoint:chat"], ["endpoint:chat"]]);
    const before = upstream.calls.length;
    const second = await chat("gpt-4o-mini");
    expect(second.status).toBe(401);
    expect(second.body.error).toMatchObject({ code: "insufficient_permissions" });
    expect(second.body.error?.message).toContain("Missing scopes");
    expect(upstream.calls.length).toBe(before);
    // Other endpoints are still tried with these keys.
    const models = await fetch(`${server.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "text-embedding-3-small", input: "hi" }),
    });
    await models.arrayBuffer();
    expect(upstream.calls.slice(before).some((call) => keys.includes(call.key) && call.path === "/v1/embeddings")).toBe(true);
    expect(await keyStatuses(server)).toEqual(["active", "active"]);
  });
});

describe("models without a button", () => {
  it("syncs when keys are added, at start when keys exist, and every MODEL_SYNC_SECONDS; never with a disabled key", async () => {
    const own = await startFakeOpenAI();
    const first = await startKeyPool({ upstreamUrl: own.url, env: { MODEL_SYNC_SECONDS: "21600" } });
    const [a, b] = [fakeKey("MS01"), fakeKey("MS02")];
    own.modelsByKey.set(a, ["gpt-4o-mini", "gpt-a-only"]);
    own.modelsByKey.set(b, ["gpt-4o-mini"]);
    let stopped = false;
    try {
      expect(own.calls).toHaveLength(0);
      const ids = await addKeys(first, [a, b]);
      // No sync pressed: the models of the new keys appear on their own.
      await expect
        .poll(async () => ((await (await adminFetch(first, "/api/models")).json()) as { data: { name: string }[] }).data.map((model) => model.name).sort(), { timeout: 10_000 })
        .toEqual(["gpt-4o-mini", "gpt-a-only"]);
      await expect.poll(async () => (await keyViews(first)).map((key) => key.models)).toEqual([2, 1]);
      expect((await chat("gpt-a-only", first)).status).toBe(200);
      await adminFetch(first, `/api/keys/${ids[1]}`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) });
      expect(await first.stop()).toBe(0);
      stopped = true;

      // At start, with keys stored: a sync lists models with every enabled key, and leaves the disabled one alone.
      const since = own.calls.length;
      const again = await startKeyPool({ upstreamUrl: own.url, dataDir: first.dataDir, env: { MODEL_SYNC_SECONDS: "1" } });
      try {
        await expect.poll(() => own.calls.slice(since).filter((call) => call.path === "/v1/models" && call.key === a).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
        expect(own.calls.slice(since).some((call) => call.key === b)).toBe(false);
        expect(await keyStatuses(again)).toEqual(["active", "disabled"]);
      } finally {
        await again.stop();
      }
    } finally {
      if (!stopped) await first.stop();
      await own.close();
    }
  });
});
