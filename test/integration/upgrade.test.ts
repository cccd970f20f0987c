import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript module shared with the start script
import { migrate } from "../../scripts/migrate.mjs";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, startKeyPool, tempDataDir, waitForLogs } from "../helpers/keypool";
import { rollupsFromLog, storedRollups } from "../helpers/rollups";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MIGRATIONS = path.join(ROOT, "prisma/migrations");
const names = fs.readdirSync(MIGRATIONS).filter((name) => fs.statSync(path.join(MIGRATIONS, name)).isDirectory()).sort();
let upstream: FakeOpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});

afterAll(async () => {
  await upstream?.close();
});

describe("log retention", () => {
  it("drops request-log rows older than LOG_RETENTION_DAYS at start and keeps the rest", async () => {
    const dataDir = tempDataDir();
    const databasePath = path.join(dataDir, "keypool.db");
    migrate({ databasePath, migrationsDir: MIGRATIONS });
    const db = new Database(databasePath);
    const insert = db.prepare(`INSERT INTO "RequestLog" (source, method, endpoint, stream, status, attempts, latencyMs, createdAt) VALUES ('v1', 'GET', '/v1/models', 0, 200, 1, 3, ?)`);
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().replace("Z", "+00:00");
    for (const daysAgo of [40, 31, 29, 1, 0]) insert.run(at(daysAgo));
    db.close();
    const server = await startKeyPool({ upstreamUrl: upstream.url, dataDir, env: { LOG_RETENTION_DAYS: "30" } });
    const deadline = Date.now() + 5000;
    let total = 5;
    while (total !== 3 && Date.now() < deadline) total = (await (await adminFetch(server, "/api/usage")).json()).total;
    expect(total).toBe(3);
    expect(await server.stop()).toBe(0);
  });
});

describe("upgrading a database", () => {
  it("has more than one migration to upgrade across", () => {
    expect(names.length).toBeGreaterThanOrEqual(2);
  });

  it("brings a filled database from the first migration to the latest without losing a row", async () => {
    const dataDir = tempDataDir();
    const databasePath = path.join(dataDir, "keypool.db");
    const firstOnly = fs.mkdtempSync(path.join(dataDir, "migrations-"));
    fs.cpSync(path.join(MIGRATIONS, names[0] as string), path.join(firstOnly, names[0] as string), { recursive: true });
    expect(migrate({ databasePath, migrationsDir: firstOnly })).toEqual([names[0]]);

    const db = new Database(databasePath);
    const now = new Date().toISOString().replace("Z", "+00:00");
    db.prepare(`INSERT INTO "Model" (name, description, capabilities, enabled, source, createdAt, updatedAt) VALUES (?, ?, '["chat"]', 1, 'manual', ?, ?)`).run("old-model", "kept", now, now);
    const insertLog = db.prepare(`INSERT INTO "RequestLog" (source, method, endpoint, model, stream, status, attempts, latencyMs, createdAt) VALUES ('v1', 'POST', '/v1/chat/completions', 'old-model', 0, 200, 1, 12, ?)`);
    for (let i = 0; i < 250; i += 1) insertLog.run(now);
    db.close();

    const server = await startKeyPool({ upstreamUrl: upstream.url, dataDir });
    expect((await (await adminFetch(server, "/api/usage?pageSize=1")).json()).total).toBe(250);
    const models = (await (await adminFetch(server, "/api/models")).json()).data as { name: string; description: string }[];
    expect(models).toEqual([expect.objectContaining({ name: "old-model", description: "kept" })]);
    expect(await server.stop()).toBe(0);

    const after = new Database(databasePath, { readonly: true });
    const applied = after.prepare(`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`).all();
    after.close();
    expect(applied.map((row) => (row as { migration_name: string }).migration_name)).toEqual(names);
    // A copy of the database as it was before the upgrade is kept beside it.
    expect(fs.existsSync(`${databasePath}.before-${names[1]}`)).toBe(true);

    // Prisma's own CLI reads the same bookkeeping and agrees nothing is pending.
    const status = spawnSync(process.execPath, [path.join(ROOT, "node_modules/prisma/build/index.js"), "migrate", "status"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: `file:${databasePath}` },
      encoding: "utf8",
    });
    expect(`${status.stdout}${status.stderr}`).toContain("Database schema is up to date");
  });

  it("builds hourly rollups for the rows already stored, which then agree with the raw log and /api/stats", async () => {
    const dataDir = tempDataDir();
    const databasePath = path.join(dataDir, "keypool.db");
    const rollups = names.find((name) => name.endsWith("_usage_rollups")) as string;
    const before = fs.mkdtempSync(path.join(dataDir, "migrations-"));
    for (const name of names.filter((name) => name < rollups)) fs.cpSync(path.join(MIGRATIONS, name), path.join(before, name), { recursive: true });
    migrate({ databasePath, migrationsDir: before });

    const db = new Database(databasePath);
    db.prepare(`INSERT INTO "AccessToken" (id, name, hash, prefix) VALUES (1, 'old app', 'not-a-real-hash', 'kp-old')`).run();
    const insertLog = db.prepare(`INSERT INTO "RequestLog" (tokenId, source, method, endpoint, model, stream, status, attempts, latencyMs, promptTokens, completionTokens, error, createdAt)
      VALUES (?, 'v1', 'POST', '/v1/chat/completions', ?, 0, ?, 1, ?, ?, ?, ?, ?)`);
    const now = Date.now();
    const stored = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
    const rows = 400;
    db.transaction(() => {
      for (let i = 0; i < rows; i += 1) {
        const model = [`gpt-4o`, `gpt-4o-mini`, null, ""][i % 4] ?? null;
        const tokens = i % 6 === 0 ? [null, null] : [i % 50, i % 30];
        insertLog.run(i % 5 === 0 ? 1 : null, model, i % 7 === 0 ? 500 : 200, 10 + (i % 13), ...tokens, i % 11 === 0 ? "the stream broke off" : null, stored(now - 60_000 - i * 7 * 60_000));
      }
    })();
    db.close();

    const server = await startKeyPool({ upstreamUrl: upstream.url, dataDir });
    const upgraded = new Database(databasePath, { readonly: true });
    const expected = rollupsFromLog(upgraded);
    expect(expected.length).toBeGreaterThan(40);
    expect(storedRollups(upgraded)).toEqual(expected);
    upgraded.close();

    // New traffic lands on top of the history.
    for (let i = 0; i < 3; i += 1) {
      await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    }
    expect((await waitForLogs(server, rows + 3)).total).toBe(rows + 3);
    const after = new Database(databasePath, { readonly: true });
    expect(storedRollups(after)).toEqual(rollupsFromLog(after));
    const errors = (after.prepare(`SELECT COUNT(*) AS n FROM "RequestLog" WHERE status >= 400 OR error IS NOT NULL`).get() as { n: number }).n;
    after.close();
    const from = new Date(now - 3 * 86_400_000).toISOString();
    const stats = await (await adminFetch(server, `/api/stats?from=${from}`)).json();
    expect(stats.totals).toMatchObject({ requests: rows + 3, errors });
    expect(await server.stop()).toBe(0);
  });

  it("refuses to start on a database whose migration failed half-way", async () => {
    const dataDir = tempDataDir();
    const databasePath = path.join(dataDir, "keypool.db");
    migrate({ databasePath, migrationsDir: MIGRATIONS });
    const db = new Database(databasePath);
    db.prepare(`UPDATE "_prisma_migrations" SET finished_at = NULL WHERE migration_name = ?`).run(names.at(-1));
    db.close();
    await expect(startKeyPool({ upstreamUrl: upstream.url, dataDir })).rejects.toThrow(/failed earlier/);
  });
});
