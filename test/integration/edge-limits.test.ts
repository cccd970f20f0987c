import http from "node:http";
import net from "node:net";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LONG_REPLY, startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, loginCookie, postChat, replacePool, startKeyPool, waitForLog, type KeyPoolServer } from "../helpers/keypool";
import { headersOnly, postChunked, sleep } from "../helpers/raw-http";

// What the /v1 edge lets through and what it keeps: body size, response headers, key material
// in upstream errors, logged bodies, and which credentials /v1 accepts.

const MAX_BODY_BYTES = 1024 * 1024;
const LOG_BODY_MAX_BYTES = 2048;

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES), LOG_BODY_MAX_BYTES: String(LOG_BODY_MAX_BYTES) } });
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterEach(() => {
  upstream.extraHeaders = {};
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

const bearer = { authorization: `Bearer ${ADMIN_KEY}` };
const tooLarge = { error: { message: expect.any(String), type: "invalid_request_error", param: null, code: "request_too_large" } };
const openaiError = { error: expect.objectContaining({ message: expect.any(String), type: expect.any(String) }) };

const rowFor = (target: KeyPoolServer, response: Response) => {
  const requestId = response.headers.get("x-keypool-request-id");
  return waitForLog(target, (row) => row.requestId === requestId);
};

async function detailOf(target: KeyPoolServer, row: Record<string, unknown>): Promise<{ requestBody: string | null; responseBody: string | null } & Record<string, unknown>> {
  return (await adminFetch(target, `/api/usage/${row.id}`)).json();
}

describe("oversize request bodies (MAX_BODY_BYTES=1 MiB)", () => {
  // Up to 64 MiB offered in 64 KiB chunks without Content-Length; the answer must come before the
  // end. What the client has written when the answer arrives also counts what the kernel buffers
  // while the server is busy (a socket's receive buffer grows to tcp_rmem's maximum, 32 MiB on
  // this machine, plus 4 MiB sent-but-unread): 48 MiB leaves that room and still fails a server
  // that reads the whole body before answering.
  const CUTOFF = 48 * 1024 * 1024;

  it("a chunked upload to /v1 gets 413 as soon as the limit is passed", async () => {
    await replacePool(server, upstream, "ok");
    const calls = upstream.calls.length;
    const result = await postChunked(server.url, "/v1/chat/completions", bearer);
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual(tooLarge);
    expect(result.bytesWrittenAtResponse).toBeLessThan(CUTOFF);
    expect(upstream.calls.length).toBe(calls);
  });

  it("a chunked upload to the unauthenticated login gets 413 as soon as the limit is passed", async () => {
    const result = await postChunked(server.url, "/api/auth/login", { origin: server.url });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual(tooLarge);
    expect(result.bytesWrittenAtResponse).toBeLessThan(CUTOFF);
  });

  it("a declared Content-Length above the limit gets 413 before any body byte is sent", async () => {
    for (const [path, headers] of [
      ["/api/auth/login", {}],
      ["/api/keys", bearer],
      ["/v1/chat/completions", bearer],
    ] as const) {
      const result = await headersOnly(server.url, path, headers, MAX_BODY_BYTES + 1);
      expect({ path, status: result.status }).toEqual({ path, status: 413 });
      expect(JSON.parse(result.body)).toEqual(tooLarge);
    }
  });

  // What arrived is a whole JSON request: only the missing rest of its declared length tells that it is cut short.
  it("a client that leaves halfway through its body costs no upstream call, and the next request is served", async () => {
    await replacePool(server, upstream, "ok");
    const calls = upstream.calls.length;
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`);
    await sleep(200);
    socket.destroy();
    await sleep(200);
    const reply = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "still there?" }] });
    expect(reply.choices[0]?.message.content).toContain("Hello from the fake upstream!");
    expect(upstream.calls.length).toBe(calls + 1);
  });

  it("stays healthy after refusing, and still serves a body just under the limit", async () => {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    await replacePool(server, upstream, "ok");
    const reply = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x".repeat(MAX_BODY_BYTES - 4096) }] });
    expect(reply.choices[0]?.message.content).toContain("Hello from the fake upstream!");
  });
});

describe("response headers: an allow-list", () => {
  const UPSTREAM_EXTRAS = {
    "openai-organization": "org-secret",
    "openai-project": "proj_secret",
    "openai-version": "2020-10-01",
    "set-cookie": "a=b",
    "x-frobnicate": "yes",
    via: "1.1 upstream-gw",
  };

  function expectAllowListed(headers: Headers): void {
    expect(headers.get("content-type")).toBeTruthy();
    expect(headers.get("x-request-id")).toMatch(/^req_/);
    expect(headers.get("x-ratelimit-remaining-requests")).toBeTruthy();
    expect(headers.get("openai-processing-ms")).toBeTruthy();
    expect(headers.get("openai-version")).toBe("2020-10-01");
    expect(headers.get("x-keypool-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const leaked = ["openai-organization", "openai-project", "set-cookie", "x-frobnicate", "via"].filter((name) => headers.has(name));
    expect(leaked).toEqual([]);
  }

  it("a JSON answer carries the OpenAI headers clients use, and nothing else from upstream", async () => {
    await replacePool(server, upstream, "ok");
    upstream.extraHeaders = UPSTREAM_EXTRAS;
    const { response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expectAllowListed(response.headers);
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("5000");
  });

  it("a streamed answer does too", async () => {
    await replacePool(server, upstream, "ok");
    upstream.extraHeaders = UPSTREAM_EXTRAS;
    const response = await postChat(server, { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
    expect(await response.text()).toContain("[DONE]");
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expectAllowListed(response.headers);
  });
});

describe("request headers: what reaches the upstream", () => {
  it("the client's own headers pass, its hop, cookies, organisation and credentials do not; the pooled key authorizes", async () => {
    const {
      keys: [key],
    } = await replacePool(server, upstream, "ok");
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        "content-type": "application/json",
        "openai-beta": "assistants=v2",
        "x-stainless-lang": "js",
        "x-custom-trace": "trace-1",
        cookie: "keypool_session=secret",
        "openai-organization": "org-of-the-client",
        "x-forwarded-for": "203.0.113.9",
        "x-keypool-client-ip": "198.51.100.1",
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const sent = upstream.calls.at(-1)?.headers ?? {};
    expect(sent).toMatchObject({ authorization: `Bearer ${key}`, "content-type": "application/json", "openai-beta": "assistants=v2", "x-stainless-lang": "js", "x-custom-trace": "trace-1" });
    expect(Object.keys(sent).filter((name) => ["cookie", "openai-organization", "x-forwarded-for", "x-keypool-client-ip"].includes(name))).toEqual([]);
  });
});

describe("upstream errors that quote the key", () => {
  /** The key without its "sk-" and its last 4 characters: must appear nowhere. */
  const secretOf = (key: string) => key.slice(3, -4);

  it("a 400 quoting the full key reaches the client, the log row and the stored body without it", async () => {
    const {
      keys: [key],
    } = await replacePool(server, upstream, "echo400");
    const response = await postChat(server, { model: "edge-echo400", messages: [{ role: "user", content: "hi" }] });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { type: "invalid_request_error", message: expect.stringContaining("Bad thing with key") } });
    expect(text).not.toContain(secretOf(key as string));
    // Sent with the length of what is left after scrubbing, not chunked and not the upstream's length.
    expect(response.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
    expect(response.headers.get("transfer-encoding")).toBeNull();
    const row = await rowFor(server, response);
    expect(row.error).toEqual(expect.stringContaining("Bad thing with key"));
    expect(String(row.error)).not.toContain(secretOf(key as string));
    const detail = await detailOf(server, row);
    expect(JSON.stringify(detail)).not.toContain(secretOf(key as string));
  });

  it("a 401 quoting the full key leaves it nowhere either", async () => {
    const {
      keys: [key],
      ids: [keyId],
    } = await replacePool(server, upstream, "echo401");
    const response = await postChat(server, { model: "edge-echo401", messages: [{ role: "user", content: "hi" }] });
    const text = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(text).not.toContain(secretOf(key as string));
    const row = await rowFor(server, response);
    expect(String(row.error)).not.toContain(secretOf(key as string));
    expect(JSON.stringify(await detailOf(server, row))).not.toContain(secretOf(key as string));
    const keys = (await (await adminFetch(server, "/api/keys")).json()).data as { id: number; status: string; lastError: string | null }[];
    const view = keys.find((candidate) => candidate.id === keyId);
    expect(view?.status).toBe("invalid");
    expect(view?.lastError).toContain("Incorrect API key");
    expect(JSON.stringify(keys)).not.toContain(secretOf(key as string));
    expect(server.output()).not.toContain(secretOf(key as string));
  });
});

describe("logged bodies", () => {
  const withinLimit = (stored: string | null) => Buffer.byteLength(stored ?? "") <= LOG_BODY_MAX_BYTES + 64;

  it("LOG_BODY_MAX_BYTES cuts a long request and a long streamed answer", async () => {
    await replacePool(server, upstream, "long");
    const request = { model: "edge-log-truncated", messages: [{ role: "user" as const, content: "q".repeat(10 * 1024) }], stream: true as const };
    const { data: stream, response } = await client.chat.completions.create(request).withResponse();
    let answer = "";
    for await (const chunk of stream) answer += chunk.choices[0]?.delta?.content ?? "";
    expect(answer).toBe(LONG_REPLY);
    const detail = await detailOf(server, await rowFor(server, response));
    expect(detail.requestBody).toEqual(expect.any(String));
    expect(detail.responseBody).toEqual(expect.any(String));
    expect(withinLimit(detail.requestBody)).toBe(true);
    expect(withinLimit(detail.responseBody)).toBe(true);
    expect(Buffer.byteLength(detail.requestBody as string)).toBeLessThan(Buffer.byteLength(JSON.stringify(request)));
    expect(Buffer.byteLength(detail.responseBody as string)).toBeLessThan(Buffer.byteLength(LONG_REPLY));
    expect(detail).toMatchObject({ status: 200, promptTokens: 11, completionTokens: expect.any(Number) });
  });

  describe("with LOG_BODIES=false", () => {
    let quiet: KeyPoolServer;

    beforeAll(async () => {
      quiet = await startKeyPool({ upstreamUrl: upstream.url, env: { LOG_BODIES: "false" } });
    });

    afterAll(async () => {
      await quiet?.stop();
    });

    it("stores no bodies for a JSON chat and a streamed chat, and still counts tokens", async () => {
      await replacePool(quiet, upstream, "ok");
      for (const stream of [false, true]) {
        const response = await postChat(quiet, { model: "edge-no-bodies", messages: [{ role: "user", content: "hi" }], stream });
        expect(response.status).toBe(200);
        await response.text();
        const detail = await detailOf(quiet, await rowFor(quiet, response));
        expect(detail).toMatchObject({ stream, status: 200, promptTokens: 11, completionTokens: 7, requestBody: null, responseBody: null });
      }
    });
  });
});

describe("/v1 credentials", () => {
  it("takes a Bearer token only: the dashboard session cookie is refused on /v1 and still works on /api", async () => {
    const cookie = await loginCookie(server);
    expect(cookie).toContain("=");

    const models = await fetch(`${server.url}/v1/models`, { headers: { cookie } });
    expect(models.status).toBe(401);
    expect(await models.json()).toEqual(openaiError);
    expect((await fetch(`${server.url}/api/keys`, { headers: { cookie } })).status).toBe(200);
  });
});

describe("/v1 paths", () => {
  it("refuses dot segments (also percent-encoded) so the pooled keys never leave the upstream's /v1", async () => {
    const callsBefore = upstream.calls.length;
    for (const path of ["/v1/../admin", "/v1/files/%2e%2e/%2E%2E/organization/users", "/v1/./models"]) {
      const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        // A URL would normalise the dots away; a raw path is sent as written.
        const { hostname, port } = new URL(server.url);
        const request = http.request({ hostname, port, path, headers: { authorization: `Bearer ${ADMIN_KEY}` } }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        request.on("error", reject);
        request.end();
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: { type: "invalid_request_error", message: expect.stringContaining("segments") } });
    }
    expect(upstream.calls.length).toBe(callsBefore);
  });
});
