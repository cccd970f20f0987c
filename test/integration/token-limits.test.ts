import Database from "better-sqlite3";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceOf } from "@/lib/cost/prices";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { adminFetch, replacePool, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

// Client tokens with limits, seen through the official SDK: each limit answered in OpenAI's shape
// so the SDK raises the matching error class; usage and cost per token add up.

let upstream: FakeOpenAI;
let server: KeyPoolServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
  await replacePool(server, upstream, "ok", "ok");
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

type TokenView = { id: number; token: string; usage: { requests: number; promptTokens: number; completionTokens: number; costUsd: number; unpriced: number } };

async function token(limits: Record<string, unknown>): Promise<{ id: number; client: OpenAI }> {
  const response = await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: `t${Math.random().toString(36).slice(2, 8)}`, ...limits }) });
  expect(response.status).toBe(201);
  const created = (await response.json()) as TokenView;
  return { id: created.id, client: new OpenAI({ apiKey: created.token, baseURL: `${server.url}/v1`, maxRetries: 0 }) };
}

const chat = (client: OpenAI, model = "gpt-4o-mini") => client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
const failure = (call: Promise<unknown>) => call.then(() => null, (error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
const patch = (id: number, body: Record<string, unknown>) => adminFetch(server, `/api/tokens/${id}`, { method: "PATCH", body: JSON.stringify(body) });

describe("client-token limits", () => {
  it("rpm: the next request over the limit is a RateLimitError with Retry-After; a PATCH applies to the next call", async () => {
    const { id, client } = await token({ rpm: 2 });
    await chat(client);
    await chat(client);
    const error = await failure(chat(client));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error?.code).toBe("rate_limit_exceeded");
    expect(error?.message).toContain("requests per min (RPM): Limit 2");
    expect(Number(error?.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect((await patch(id, { rpm: null })).status).toBe(200);
    await expect(chat(client)).resolves.toBeTruthy();
    expect((await patch(id, { rpm: 1 })).status).toBe(200);
    expect(await failure(chat(client))).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("tpm: once the last minute's tokens reach the limit, a RateLimitError naming tokens", async () => {
    const { client } = await token({ tpm: 30 });
    await chat(client); // 18 tokens
    await chat(client); // 36: over from now on
    const error = await failure(chat(client));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error?.message).toContain("tokens per min (TPM): Limit 30, Used 36");
  });

  it("models: a model not on the list is a PermissionDeniedError model_not_allowed, and no upstream call", async () => {
    const { client } = await token({ models: ["gpt-4o-mini"] });
    await chat(client);
    const before = upstream.calls.length;
    const error = await failure(chat(client, "gpt-4o"));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error?.code).toBe("model_not_allowed");
    expect(upstream.calls.length).toBe(before);
  });

  it("expiry: an expired token is an AuthenticationError", async () => {
    const { id, client } = await token({ expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await chat(client);
    await patch(id, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const error = await failure(chat(client));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error?.code).toBe("token_expired");
  });

  it("budget: once this month's cost reaches monthlyBudgetUsd, a RateLimitError insufficient_quota", async () => {
    const { client } = await token({ monthlyBudgetUsd: 0.000001 });
    await chat(client); // costs more than the budget
    const error = await failure(chat(client));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error?.code).toBe("insufficient_quota");
    expect(error?.type).toBe("insufficient_quota");
  });

  it("concurrency: a request beyond maxConcurrent under way is a RateLimitError; the slot frees when one ends", async () => {
    const { client } = await token({ maxConcurrent: 1 });
    upstream.chunkDelayMs = 150;
    try {
      const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
      const error = await failure(chat(client));
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error?.message).toContain("maxConcurrent: 1");
      for await (const _chunk of stream) {
        // drain
      }
    } finally {
      upstream.chunkDelayMs = 5;
    }
    await expect(chat(client)).resolves.toBeTruthy();
  });
});

describe("usage and cost per token", () => {
  it("equal the known calls: requests, tokens and cost (cached prompt tokens at the cached rate), also on each log row", async () => {
    const { id, client } = await token({});
    for (let i = 0; i < 3; i += 1) await chat(client);
    const price = priceOf("gpt-4o-mini");
    if (!price) throw new Error("gpt-4o-mini has no bundled price");
    // The fake answers 11 prompt tokens (4 cached) and 7 completion tokens (2 of them reasoning).
    const each = (7 * price.input + 4 * price.cachedInput + 7 * price.output) / 1e6;
    await expect
      .poll(async () => ((await (await adminFetch(server, "/api/tokens")).json()) as { data: TokenView[] }).data.find((row) => row.id === id)?.usage)
      .toMatchObject({ requests: 3, promptTokens: 33, completionTokens: 21, unpriced: 0 });
    const usage = ((await (await adminFetch(server, "/api/tokens")).json()) as { data: TokenView[] }).data.find((row) => row.id === id)?.usage;
    expect(usage?.costUsd).toBeCloseTo(3 * each, 12);
    const db = new Database(server.databasePath, { readonly: true });
    const rows = db.prepare(`SELECT cachedTokens, reasoningTokens, costUsd FROM RequestLog WHERE tokenId = ?`).all(id) as { cachedTokens: number; reasoningTokens: number; costUsd: number }[];
    db.close();
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatchObject({ cachedTokens: 4, reasoningTokens: 2, costUsd: expect.closeTo(each, 12) });
  });

  it("counts a model without a price as unpriced, never as costing nothing", async () => {
    const { id, client } = await token({});
    await chat(client, "gpt-made-up-for-pricing");
    await expect
      .poll(async () => ((await (await adminFetch(server, "/api/tokens")).json()) as { data: TokenView[] }).data.find((row) => row.id === id)?.usage)
      .toMatchObject({ requests: 1, costUsd: 0, unpriced: 1 });
  });
});
