import http from "node:http";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FLOOD_BYTES, FRAGMENTED_CONTENT, FRAGMENTED_USAGE, IDLE_CHUNKS, startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, replacePool, startKeyPool, waitForLog, type KeyPoolServer } from "../helpers/keypool";
import { eventually, sleep, withTimeout } from "../helpers/raw-http";

// How the /v1 edge relays streams: whatever the read boundaries, when the upstream goes quiet,
// when the client leaves, and what the request log says afterwards.

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { UPSTREAM_IDLE_TIMEOUT_MS: "1000" } });
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterEach(() => {
  upstream.chunkDelayMs = 5;
  upstream.doneLingerMs = 0;
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

type Chunk = OpenAI.ChatCompletionChunk;
type Streamed = { requestId: string | null; chunks: Chunk[]; content: string; error: unknown };

const messages = [{ role: "user" as const, content: "hi" }];

/**
 * Streams a chat completion through the SDK and reads it to its end or its error, all within `ms`:
 * a stream that hangs (before its headers or after) fails the test and is aborted.
 */
async function streamChat(model: string, extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}, ms = 10_000): Promise<Streamed> {
  const controller = new AbortController();
  const result: Streamed = { requestId: null, chunks: [], content: "", error: undefined };
  const reading = (async () => {
    const { data, response } = await client.chat.completions.create({ model, messages, stream: true, ...extra }, { signal: controller.signal }).withResponse();
    result.requestId = response.headers.get("x-keypool-request-id");
    try {
      for await (const chunk of data) result.chunks.push(chunk);
    } catch (caught) {
      result.error = caught;
    }
  })();
  try {
    await withTimeout(reading, ms, () => `stream ${result.requestId === null ? "without response headers" : `still open after ${result.chunks.length} chunk(s)`}`);
  } finally {
    controller.abort();
  }
  result.content = result.chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
  return result;
}

const rowFor = (requestId: string | null) => waitForLog(server, (row) => row.requestId === requestId);

describe("streams end whatever the read boundaries", () => {
  it("relays five concurrent streams written in tiny pieces, a 300 KB event among them, and hides the usage KeyPool asked for", async () => {
    await replacePool(server, upstream, "fragmented");
    const results = await Promise.all(Array.from({ length: 5 }, () => streamChat("edge-fragmented")));
    // KeyPool asked upstream for usage on its own behalf.
    expect(upstream.calls.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });
    for (const result of results) {
      expect(result.error).toBeUndefined();
      expect(result.content.length).toBe(FRAGMENTED_CONTENT.length);
      expect(result.content === FRAGMENTED_CONTENT).toBe(true);
      expect(result.chunks.filter((chunk) => "usage" in chunk)).toEqual([]);
      expect(result.chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    }
    for (const { requestId } of results) {
      const row = await rowFor(requestId);
      expect(row).toMatchObject({ status: 200, error: null, stream: true, promptTokens: FRAGMENTED_USAGE.prompt_tokens, completionTokens: FRAGMENTED_USAGE.completion_tokens });
    }
  });

  it("passes the usage chunk of such a stream to clients that asked for it", async () => {
    await replacePool(server, upstream, "fragmented");
    const results = await Promise.all(Array.from({ length: 2 }, () => streamChat("edge-fragmented-usage", { stream_options: { include_usage: true } })));
    for (const result of results) {
      expect(result.error).toBeUndefined();
      expect(result.content === FRAGMENTED_CONTENT).toBe(true);
      const last = result.chunks.at(-1);
      expect(last?.choices).toEqual([]);
      expect(last?.usage).toEqual(FRAGMENTED_USAGE);
      // Passed through untouched, the stream is still counted and seen to end (lib/proxy/sse-tail.ts).
      const row = await rowFor(result.requestId);
      expect(row).toMatchObject({ status: 200, error: null, promptTokens: FRAGMENTED_USAGE.prompt_tokens, completionTokens: FRAGMENTED_USAGE.completion_tokens });
    }
  });
});

describe("the request log of a stream", () => {
  it("stores the answer rebuilt from the chunks, with the usage KeyPool asked for, also when it came in pieces", async () => {
    await replacePool(server, upstream, "fragmented");
    const { requestId } = await streamChat("edge-fragmented-log");
    const row = await rowFor(requestId);
    const detail = (await (await adminFetch(server, `/api/usage/${row.id}`)).json()) as { responseBody: string };
    // The 300 KB answer is over LOG_BODY_MAX_BYTES (64 KiB): its start is stored, marked as cut.
    expect(detail.responseBody.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(detail.responseBody).toContain('"object":"chat.completion"');
    expect(detail.responseBody).toContain(JSON.stringify(FRAGMENTED_CONTENT.slice(0, 200)).slice(1, -1));
    expect(detail.responseBody.endsWith("… [truncated]")).toBe(true);
    expect(Buffer.byteLength(detail.responseBody)).toBeLessThanOrEqual(64 * 1024 + 64);

    await replacePool(server, upstream, "ok");
    const short = await streamChat("edge-short-log");
    const shortRow = await rowFor(short.requestId);
    const stored = JSON.parse(((await (await adminFetch(server, `/api/usage/${shortRow.id}`)).json()) as { responseBody: string }).responseBody);
    expect(stored).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant", content: short.content } }], usage: { prompt_tokens: 11 } });
  });
});

describe("an upstream that goes quiet", () => {
  it("is cut after UPSTREAM_IDLE_TIMEOUT_MS: the client gets an error event, the row an error, the key stays active", async () => {
    const {
      ids: [keyId],
    } = await replacePool(server, upstream, "idle");
    const aborts = upstream.streamAborts;
    const from = new Date(Date.now() - 1).toISOString();
    const began = Date.now();
    const result = await streamChat("edge-idle", {}, 6000);
    expect(result.chunks.map((chunk) => chunk.choices[0]?.delta?.content)).toEqual(IDLE_CHUNKS);
    expect(result.error).toBeInstanceOf(OpenAI.APIError);
    const error = result.error as InstanceType<typeof OpenAI.APIError>;
    expect(error.message).toContain("UPSTREAM_IDLE_TIMEOUT_MS");
    expect(error).toMatchObject({ type: "server_error", code: "upstream_idle_timeout" });
    expect(Date.now() - began).toBeLessThan(4000);

    const row = await rowFor(result.requestId);
    expect(row.status).toBe(200);
    expect(row.error).toEqual(expect.stringContaining("UPSTREAM_IDLE_TIMEOUT_MS"));
    const keys = (await (await adminFetch(server, "/api/keys")).json()).data as { id: number; status: string }[];
    expect(keys.find((key) => key.id === keyId)?.status).toBe("active");
    // KeyPool closed the upstream response that never finished.
    expect(await eventually(() => upstream.streamAborts === aborts + 1)).toBe(true);
    expect(await eventually(() => upstream.openResponses === 0)).toBe(true);

    // A stream that ended with an error counts as an error in the statistics.
    const to = new Date(Date.now() + 60_000).toISOString();
    const stats = await (await adminFetch(server, `/api/stats?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).json();
    expect(stats.totals).toMatchObject({ requests: 1, errors: 1 });
  });
});

describe("a client that reads slowly", () => {
  it("holds the upstream back instead of buffering its answer, and still delivers every byte once the client reads", async () => {
    await replacePool(server, upstream, "flood");
    const body = JSON.stringify({ model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } });
    const request = http.request(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" } });
    const response = await withTimeout(
      new Promise<http.IncomingMessage>((resolve, reject) => {
        request.once("response", resolve);
        request.once("error", reject);
        request.end(body);
      }),
      10_000,
      "flood response headers",
    );
    response.pause();
    // The client reads nothing for 3 s. Everything in between (socket buffers on both sides of
    // KeyPool, at most 36 MiB each here) holds far less than the 256 MiB the upstream would send.
    await sleep(3000);
    const writtenWhilePaused = upstream.floodWritten;
    expect(writtenWhilePaused).toBeGreaterThan(0);
    expect(writtenWhilePaused).toBeLessThan(FLOOD_BYTES / 2);

    let received = 0;
    let tail = "";
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          tail = (tail + chunk.subarray(-64).toString("latin1")).slice(-64);
        });
        response.once("end", resolve);
        response.once("error", reject);
        response.resume();
      }),
      30_000,
      "reading the flood",
    );
    expect(received).toBe(FLOOD_BYTES + "data: [DONE]\n\n".length);
    expect(tail.endsWith("data: [DONE]\n\n")).toBe(true);
  });
});

describe("a client that leaves", () => {
  it("aborting a stream through the SDK closes the upstream response and leaves no open upstream socket", async () => {
    await replacePool(server, upstream, "ok");
    upstream.chunkDelayMs = 300;
    const aborts = upstream.streamAborts;
    const controller = new AbortController();
    const { data, response } = await client.chat.completions
      .create({ model: "edge-sdk-abort", messages, stream: true }, { signal: controller.signal })
      .withResponse();
    for await (const _chunk of data) {
      controller.abort();
      break;
    }
    expect(await eventually(() => upstream.streamAborts === aborts + 1)).toBe(true);
    expect(await eventually(() => upstream.openResponses === 0)).toBe(true);
    const row = await rowFor(response.headers.get("x-keypool-request-id"));
    expect(row.error).toEqual(expect.any(String));
  });

  it("destroying the raw socket mid-stream closes the upstream response too", async () => {
    await replacePool(server, upstream, "ok");
    upstream.chunkDelayMs = 300;
    const aborts = upstream.streamAborts;
    const requestId = await new Promise<string | undefined>((resolve, reject) => {
      const request = http.request(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      });
      request.on("response", (response) => {
        response.once("data", () => {
          request.destroy();
          resolve(response.headers["x-keypool-request-id"] as string | undefined);
        });
      });
      request.on("error", (error) => {
        if (!request.destroyed) reject(error);
      });
      request.end(JSON.stringify({ model: "edge-socket-abort", messages, stream: true }));
    });
    expect(await eventually(() => upstream.streamAborts === aborts + 1)).toBe(true);
    expect(await eventually(() => upstream.openResponses === 0)).toBe(true);
    const row = await rowFor(requestId ?? null);
    expect(row.error).toEqual(expect.any(String));
  });

  it("a client that closes right after [DONE] leaves a complete row, even if upstream ends its response later", async () => {
    await replacePool(server, upstream, "ok");
    upstream.doneLingerMs = 300;
    // The official Node SDK reads on to the end after [DONE]; other clients hang up at once. This one does.
    const { requestId, text } = await new Promise<{ requestId: string | undefined; text: string }>((resolve, reject) => {
      const request = http.request(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      });
      request.on("response", (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (piece: string) => {
          text += piece;
          if (text.includes("data: [DONE]")) {
            request.destroy();
            resolve({ requestId: response.headers["x-keypool-request-id"] as string | undefined, text });
          }
        });
        response.on("end", () => resolve({ requestId: response.headers["x-keypool-request-id"] as string | undefined, text }));
      });
      request.on("error", (error) => {
        if (!request.destroyed) reject(error);
      });
      request.end(JSON.stringify({ model: "edge-done", messages, stream: true }));
    });
    expect(text).toContain("Hello");
    expect(text).toContain("data: [DONE]");
    const row = await rowFor(requestId ?? null);
    expect(row).toMatchObject({ status: 200, error: null, promptTokens: 11, completionTokens: 7 });
  });

  it("a client gone while KeyPool waits for upstream headers: status 499, and the attempt counts", async () => {
    await replacePool(server, upstream, "hang");
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: "edge-hang", messages }, { signal: controller.signal });
    await sleep(300);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    const row = await waitForLog(server, (candidate) => candidate.model === "edge-hang");
    expect(row).toMatchObject({ status: 499, attempts: 1 });
    expect(await eventually(() => upstream.openResponses === 0)).toBe(true);
  });
});
