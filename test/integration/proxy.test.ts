import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, addKeys, adminFetch, fakeKey, startKeyPool, waitForLog, waitForLogs, type KeyPoolServer } from "../helpers/keypool";

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let client: OpenAI;
const KEY = fakeKey("AAAA");

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
  await addKeys(server, [KEY]);
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

describe("the OpenAI-compatible /v1 surface through the official SDK", () => {
  it("lists models from upstream with a pooled key", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain("gpt-4o-mini");
    expect(upstream.calls.at(-1)?.key).toBe(KEY);
  });

  it("answers a chat completion and passes unknown fields both ways", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], client_extra: "kept" } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(data.choices[0]?.message.content).toContain("Hello from the fake upstream!");
    expect((data as unknown as { upstream_extra: unknown }).upstream_extra).toEqual({ echoed: "kept" });
    expect(upstream.calls.at(-1)?.body).toMatchObject({ client_extra: "kept" });
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(response.headers.get("openai-processing-ms")).toBe("42");
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("4999");
    // The log row carries KeyPool's request id (as in the access log) and the upstream's.
    const requestId = response.headers.get("x-keypool-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const row = await waitForLog(server, (candidate) => candidate.requestId === requestId);
    expect(row.upstreamRequestId).toBe(response.headers.get("x-request-id"));
    // The access log is written in batches, a few times a second.
    await vi.waitFor(() => expect(server.output()).toContain(`"requestId":"${requestId}"`), { timeout: 2000 });
  });

  it("streams chunks and hides the usage chunk from a client that did not ask for it", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toContain("Hello from the fake upstream!");
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    // KeyPool asked upstream for usage on its own behalf.
    expect(upstream.calls.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it("forwards each SSE chunk as it arrives, uncompressed", async () => {
    upstream.chunkDelayMs = 150;
    try {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "accept-encoding": "gzip, br" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true }),
      });
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      expect(response.headers.get("content-encoding")).toBeNull();
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const arrivals: number[] = [];
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
        arrivals.push(Date.now());
      }
      // Eight chunks 150 ms apart upstream: a buffering proxy would deliver them in one piece at the end.
      expect(arrivals.length).toBeGreaterThanOrEqual(6);
      expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan(600);
    } finally {
      upstream.chunkDelayMs = 5;
    }
  });

  it("passes the usage chunk to a client that asked for it", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
  });

  it("passes other /v1 paths through (embeddings)", async () => {
    const result = await client.embeddings.create({ model: "text-embedding-3-small", input: "hello" });
    expect(result.data[0]?.embedding.map((value) => Number(value.toFixed(3)))).toEqual([0.1, 0.2, 0.3]);
  });

  it("logs one row per request with tokens, and counts usage per key and model", async () => {
    const logs = await waitForLogs(server, 6);
    expect(logs.total).toBe(6);
    const streamed = logs.data.filter((row) => row.stream === true);
    expect(streamed).toHaveLength(3);
    for (const row of streamed) expect(row).toMatchObject({ status: 200, promptTokens: 11, completionTokens: 7, model: "gpt-4o-mini" });
    const detail = await (await adminFetch(server, `/api/usage/${streamed[0]?.id}`)).json();
    expect(JSON.parse(detail.responseBody).choices[0].message.content).toContain("Hello from the fake upstream!");
    const stats = await (await adminFetch(server, "/api/stats")).json();
    expect(stats.totals).toMatchObject({ requests: 6, errors: 0, promptTokens: 11 * 4 + 4, completionTokens: 28 });
    const keys = await (await adminFetch(server, "/api/keys")).json();
    expect(keys.data[0].usage.requests).toBe(6);
  });
});
