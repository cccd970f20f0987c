import { execFileSync } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
// @ts-expect-error plain JavaScript module shared with the start script
import { migrate } from "../../scripts/migrate.mjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { keyStatuses, replacePool, postChat, startKeyPool, tempDataDir, type KeyPoolServer } from "../helpers/keypool";

// Storage never stalls the proxy and never loses a row: a locked database and a full disk delay
// logging, not calls; the writer recovers and writes every queued row; a stop says what it lost.

let upstream: FakeOpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});

afterAll(async () => {
  await upstream?.close();
});

const chat = (server: KeyPoolServer, n: number) =>
  postChat(server, { model: "gpt-4o-mini", messages: [{ role: "user", content: `call ${n}` }] }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });

type Writer = { queued: number; dropped: number; failing: boolean; lastError: string | null };
const writerOf = async (server: KeyPoolServer): Promise<{ status: string; reason: string | null; writer: Writer }> => (await fetch(`${server.url}/api/health`)).json();

const rowCount = (server: KeyPoolServer) => {
  const db = new Database(server.databasePath, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM RequestLog`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** Files the KeyPool process writes may not grow past `bytes` (EFBIG, as on a full disk); null lifts the limit. */
const limitFileSize = (server: KeyPoolServer, bytes: number | null) =>
  execFileSync("prlimit", ["--pid", String(server.pid), `--fsize=${bytes ?? "unlimited"}:unlimited`]);

describe("a locked database", () => {
  it("delays logging, not calls: /v1 keeps answering while another process holds the write lock, and every row arrives after", async () => {
    const server = await startKeyPool({ upstreamUrl: upstream.url });
    try {
      await replacePool(server, upstream, "invalid", "ok", "ok");
      const before = rowCount(server);
      const lock = new Database(server.databasePath);
      lock.exec("BEGIN IMMEDIATE");
      let released = false;
      try {
        // Longer than the writer's own wait for the lock, so its writes fail and are retried.
        const statuses: number[] = [];
        for (let n = 0; n < 30; n += 1) statuses.push(await chat(server, n));
        expect(statuses).toEqual(Array(30).fill(200));
        await expect.poll(async () => (await writerOf(server)).writer.failing, { timeout: 20_000, interval: 200 }).toBe(true);
        const health = await writerOf(server);
        expect(health.status).toBe("degraded");
        expect(health.writer.queued).toBeGreaterThan(0);
        expect(health.writer.lastError).toMatch(/locked|busy/i);
        // Calls still complete while the writer is failing.
        expect(await chat(server, 99)).toBe(200);
        expect(released).toBe(false);
      } finally {
        lock.exec("COMMIT");
        lock.close();
        released = true;
      }
      await expect.poll(() => rowCount(server) - before, { timeout: 20_000, interval: 200 }).toBe(31);
      await expect.poll(async () => (await writerOf(server)).writer).toMatchObject({ failing: false, queued: 0, dropped: 0 });
      // The verdict on the bad key, learned during the lock, was stored with the rows.
      expect(await keyStatuses(server)).toEqual(["invalid", "active", "active"]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe("a full disk", () => {
  it("costs no call: rows wait while nothing can be written, health shows the backlog, and all are written once space is back", async () => {
    const server = await startKeyPool({ upstreamUrl: upstream.url });
    try {
      await replacePool(server, upstream, "ok", "ok");
      expect(await chat(server, 0)).toBe(200);
      await expect.poll(() => rowCount(server)).toBe(1);
      limitFileSize(server, 4096);
      const statuses: number[] = [];
      for (let n = 1; n <= 20; n += 1) statuses.push(await chat(server, n));
      expect(statuses).toEqual(Array(20).fill(200));
      await expect.poll(async () => (await writerOf(server)).writer.failing, { timeout: 15_000, interval: 200 }).toBe(true);
      const health = await writerOf(server);
      expect(health.writer.queued).toBeGreaterThan(0);
      expect(health.reason).toContain("request log cannot be written");
      expect(rowCount(server)).toBe(1);

      limitFileSize(server, null);
      await expect.poll(() => rowCount(server), { timeout: 40_000, interval: 250 }).toBe(21);
      await expect.poll(async () => (await writerOf(server)).status).toBe("ok");
      expect(await chat(server, 21)).toBe(200);
      await expect.poll(() => rowCount(server)).toBe(22);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it("a stop with a failing writer says how many rows it could not write, and exits non-zero", async () => {
    const server = await startKeyPool({ upstreamUrl: upstream.url });
    await replacePool(server, upstream, "ok");
    limitFileSize(server, 4096);
    for (let n = 0; n < 5; n += 1) expect(await chat(server, n)).toBe(200);
    const code = await server.stop();
    expect(code).toBe(1);
    expect(server.output()).toMatch(/stopped, but the request log could not be written.*"unwrittenRows":5/);
  }, 60_000);
});

describe("retention", () => {
  it("deletes rows past LOG_RETENTION_DAYS and bodies past LOG_BODY_RETENTION_DAYS, in short steps, and keeps the rest", async () => {
    const dataDir = tempDataDir();
    const databasePath = path.join(dataDir, "keypool.db");
    migrate({ databasePath, migrationsDir: path.resolve(import.meta.dirname, "../../prisma/migrations") });
    const db = new Database(databasePath);
    const insert = db.prepare(`INSERT INTO "RequestLog" (source, method, endpoint, stream, status, attempts, latencyMs, requestBody, responseBody, createdAt) VALUES ('v1', 'POST', '/v1/chat/completions', 0, 200, 1, 3, ?, ?, ?)`);
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().replace("Z", "+00:00");
    // More rows than one pruning step takes, interleaved in id order as late-written rows are.
    db.transaction(() => {
      for (let i = 0; i < 3000; i += 1) {
        insert.run(`old ${i}`, "{}", at(40));
        insert.run(`mid ${i}`, "{}", at(10));
        if (i % 30 === 0) insert.run(`new ${i}`, "{}", at(0));
      }
    })();
    db.close();
    const server = await startKeyPool({ upstreamUrl: upstream.url, dataDir, env: { LOG_RETENTION_DAYS: "30", LOG_BODY_RETENTION_DAYS: "7" } });
    try {
      const read = () => {
        const view = new Database(databasePath, { readonly: true });
        try {
          return view.prepare(`SELECT substr(requestBody, 1, 3) AS kind, COUNT(*) AS rows FROM RequestLog GROUP BY kind ORDER BY kind`).all();
        } finally {
          view.close();
        }
      };
      await expect.poll(read, { timeout: 20_000, interval: 250 }).toEqual([{ kind: null, rows: 3000 }, { kind: "new", rows: 100 }]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
