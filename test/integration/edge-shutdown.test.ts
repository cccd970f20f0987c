import http from "node:http";
import net from "node:net";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, addKeys, fakeKey, startKeyPool, type KeyPoolServer } from "../helpers/keypool";
import { eventually, withTimeout } from "../helpers/raw-http";

// SIGTERM: in-flight streams finish, kept-alive connections are told to close and are not
// served again, new connections are refused, every row is written, and the process exits 0.

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let exited = false;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { SHUTDOWN_GRACE_MS: "5000" } });
  void server.exited.then(() => (exited = true));
  await addKeys(server, [fakeKey("STOP")]);
  // Slow streams (about 3 s): headers after 800 ms, so the signal lands before them, then eight chunks 300 ms apart.
  upstream.streamHeaderDelayMs = 800;
  upstream.chunkDelayMs = 300;
});

afterAll(async () => {
  if (!exited) await server?.kill();
  await upstream?.close();
});

/** `broken` says why a response that had started did not end cleanly. */
type Answer = { status: number; headers: http.IncomingHttpHeaders; text: string; broken?: string };

const CHAT = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });

/** One chat request; `agent` false means a connection of its own. Rejects only when no response started. */
function send(agent: http.Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.url}/v1/chat/completions`, {
      method: "POST",
      agent,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    });
    request.on("response", (response) => {
      const answer: Answer = { status: response.statusCode ?? 0, headers: response.headers, text: "" };
      response.setEncoding("utf8");
      response.on("data", (piece: string) => (answer.text += piece));
      response.on("end", () => resolve(answer));
      response.on("error", (error) => resolve({ ...answer, broken: error.message }));
    });
    request.on("error", reject);
    request.end(CHAT);
  });
}

describe("graceful stop (SHUTDOWN_GRACE_MS=5000)", () => {
  it("finishes in-flight streams, closes the kept-alive connection after its answer, refuses new connections, writes every row and exits 0", async () => {
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const callsBefore = upstream.calls.length;
    const pendingA = send(keepAlive);
    const pendingB = send(false);
    // Both requests are at the upstream, waiting for its headers.
    expect(await eventually(() => upstream.calls.length >= callsBefore + 2)).toBe(true);
    server.signal("SIGTERM");

    const [a, b] = await withTimeout(Promise.all([pendingA, pendingB]), 10_000, "in-flight streams A and B");
    for (const answer of [a, b]) {
      expect(answer.broken).toBeUndefined();
      expect(answer.status).toBe(200);
      expect(answer.text).toContain("data: [DONE]");
      const content = [...answer.text.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join("");
      expect(content).toBe("Hello from the fake upstream! (key …STOP)");
    }
    // Soft: the checks below still run (and report) when this one fails.
    expect.soft(a.headers.connection).toBe("close");

    // A request on A's connection after A finished is not served: the socket is gone, or the answer is a 503 that closes it.
    const c = await withTimeout(
      send(keepAlive).then(
        (answer) => ({ status: answer.status, connection: answer.headers.connection }),
        (error: Error) => ({ error: error.message }),
      ),
      5000,
      "request C on A's connection",
    );
    if ("status" in c) expect.soft(c).toMatchObject({ status: 503, connection: "close" });

    // A new connection is refused.
    const d = await withTimeout(
      send(false).then(
        (answer) => `served with ${answer.status}`,
        (error: NodeJS.ErrnoException) => error.code ?? error.message,
      ),
      5000,
      "request D on a new connection",
    );
    expect.soft(d).toBe("ECONNREFUSED");

    expect(await withTimeout(server.exited, 15_000, "KeyPool exit after SIGTERM")).toBe(0);
    keepAlive.destroy();

    const db = new Database(server.databasePath, { readonly: true });
    try {
      const rowOf = db.prepare(`SELECT status, error FROM "RequestLog" WHERE requestId = ?`);
      for (const answer of [a, b]) {
        const requestId = answer.headers["x-keypool-request-id"];
        expect(rowOf.get(requestId)).toEqual({ status: 200, error: null });
      }
    } finally {
      db.close();
    }
  });
});

describe("graceful stop with a pipelined request", () => {
  it("answers a request that arrives on an in-flight connection after SIGTERM with a 503 that closes it, and still finishes the stream before it", async () => {
    const own = await startKeyPool({ upstreamUrl: upstream.url, env: { SHUTDOWN_GRACE_MS: "5000" } });
    try {
      await addKeys(own, [fakeKey("PIPE")]);
      const { hostname, port } = new URL(own.url);
      const socket = net.connect(Number(port), hostname);
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (piece: string) => (received += piece));
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(CHAT)}\r\n\r\n${CHAT}`;
      const callsBefore = upstream.calls.length;
      socket.write(request);
      expect(await eventually(() => upstream.calls.length > callsBefore)).toBe(true);
      own.signal("SIGTERM");
      expect(await eventually(() => own.output().includes('"msg":"stopping'))).toBe(true);
      // The same connection, while A is still in flight: an HTTP/1.1 pipelined request.
      socket.write(request);
      await withTimeout(closed, 10_000, "the connection to close");

      const statuses = [...received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
      expect(statuses[0]).toBe(200);
      expect(received).toContain("data: [DONE]");
      // The second request was not served: answered 503 (and the connection closed), or not at all.
      expect(statuses.slice(1).every((status) => status === 503)).toBe(true);
      expect(await withTimeout(own.exited, 15_000, "KeyPool exit after SIGTERM")).toBe(0);
      expect(upstream.calls.length).toBe(callsBefore + 1);
      // A refused request is not waited for: the stop did not need the grace period to run out.
      expect(own.output()).not.toContain("grace period over");
    } finally {
      await own.kill().catch(() => undefined);
    }
  });
});
