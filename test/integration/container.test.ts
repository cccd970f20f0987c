import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envOf, execCommandOf, layOutImage } from "../helpers/dockerfile";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, addKeys, adminFetch, fakeKey, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

const ROOT = path.resolve(import.meta.dirname, "../..");
let upstream: FakeOpenAI;
let image: string;
let start: (dataDir: string) => Promise<KeyPoolServer>;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  // Outside the repository, so nothing can be resolved from its node_modules.
  image = fs.mkdtempSync(path.join(os.tmpdir(), "keypool-image-"));
  const { stage } = layOutImage(path.join(ROOT, "Dockerfile"), ROOT, image);
  const command = execCommandOf(stage);
  expect(command[0]).toBe("node");
  const { PORT: _port, HOST: _host, DATABASE_URL: _database, ...imageEnv } = envOf(stage);
  start = (dataDir) => startKeyPool({ upstreamUrl: upstream.url, dataDir, cwd: image, command: [process.execPath, ...command.slice(1)], env: imageEnv });
});

afterAll(async () => {
  await upstream?.close();
  fs.rmSync(image, { recursive: true, force: true });
});

describe("the standalone image, laid out from the Dockerfile's COPY lines", () => {
  it("holds the build output and runtime only: no source, no dev dependencies, no Prisma CLI", () => {
    expect(fs.existsSync(path.join(image, "server.js"))).toBe(true);
    expect(fs.existsSync(path.join(image, "node_modules/better-sqlite3/build/Release/better_sqlite3.node"))).toBe(true);
    for (const absent of ["app", "lib", "test", "e2e", "node_modules/typescript", "node_modules/vitest", "node_modules/prisma", "node_modules/@playwright", "data"]) {
      expect(fs.existsSync(path.join(image, absent)), absent).toBe(false);
    }
  });

  it("starts on an empty data folder, serves health, keys and proxied calls, and keeps its rows across a restart", async () => {
    const dataDir = path.join(image, "data");
    const first = await start(dataDir);
    // No key yet: up, but degraded (HTTP 200), with the reason.
    const fresh = await fetch(`${first.url}/api/health`);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ status: "degraded", database: "ok", usableKeys: 0, reason: expect.stringContaining("no usable key"), upstream: { breaker: "closed" } });
    await addKeys(first, [fakeKey("IMG1")]);
    const client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${first.url}/v1`, maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(reply.choices[0]?.message.content).toContain("IMG1");
    expect(await first.stop()).toBe(0);
    expect(fs.statSync(path.join(dataDir, "keypool.secret")).mode & 0o777).toBe(0o600);

    const second = await start(dataDir);
    const keys = (await (await adminFetch(second, "/api/keys")).json()).data;
    expect(keys).toHaveLength(1);
    expect((await (await adminFetch(second, "/api/usage")).json()).total).toBe(1);
    const again = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${second.url}/v1`, maxRetries: 0 });
    expect((await again.models.list()).data.length).toBeGreaterThan(0);
    // Serves the dashboard's static assets from the image too.
    expect((await fetch(`${second.url}/robots.txt`)).status).toBe(200);

    // Health answers 503 while the database file is gone (a volume that went away), and recovers.
    const moved = `${second.databasePath}.moved`;
    fs.renameSync(second.databasePath, moved);
    const down = await fetch(`${second.url}/api/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: "error", database: "unreachable" });
    fs.renameSync(moved, second.databasePath);
    expect((await fetch(`${second.url}/api/health`)).status).toBe(200);
    expect(await second.stop()).toBe(0);

    // Logs are JSON lines with request id, status and latency, and hold no key.
    const lines = second.output().split("\n").filter((line) => line.trim() !== "");
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const requests = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === "request");
    expect(requests.length).toBeGreaterThan(3);
    for (const entry of requests) expect(entry).toEqual(expect.objectContaining({ requestId: expect.any(String), status: expect.any(Number), latencyMs: expect.any(Number) }));
    expect(first.output() + second.output()).not.toContain(fakeKey("IMG1").slice(3, -4));
  });
});
