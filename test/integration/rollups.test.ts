// Hourly rollups written through the real server (fake upstream: several keys, models, a client
// token, errors, a deleted key), and /api/stats answering what the raw log says.
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, replacePool, postChat, startKeyPool, waitForLogs, type KeyPoolServer } from "../helpers/keypool";
import { rollupsFromLog, storedRollups } from "../helpers/rollups";

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let sent = 0;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

async function chat(credential: string, model: string, stream = false): Promise<number> {
  const response = await postChat(server, { model, stream, messages: [{ role: "user", content: "hi" }] }, { credential });
  await response.text();
  sent += 1;
  return response.status;
}

async function traffic(token: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 12; i += 1) {
    statuses.push(await chat(i % 3 === 0 ? token : ADMIN_KEY, i % 2 === 0 ? "gpt-4o-mini" : "gpt-4o", i % 4 === 0));
  }
  await chat(ADMIN_KEY, "");
  return statuses;
}

type Figure = { requests: number; errors: number; promptTokens: number; completionTokens: number };

/** /api/stats' figures recomputed from the raw log, the way they were computed before rollups. */
function fromLog(db: Database.Database, from: string, to: string, group: string): Record<string, Figure> {
  const rows = db
    .prepare(
      `SELECT ${group} AS grp, COUNT(*) AS requests, SUM(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 ELSE 0 END) AS errors,
        COALESCE(SUM(promptTokens), 0) AS promptTokens, COALESCE(SUM(completionTokens), 0) AS completionTokens
      FROM "RequestLog" WHERE createdAt >= ? AND createdAt < ? GROUP BY 1`,
    )
    .all(from.replace("Z", "+00:00"), to.replace("Z", "+00:00")) as (Figure & { grp: unknown })[];
  return Object.fromEntries(rows.map(({ grp, ...figure }) => [String(grp), figure]));
}

const figure = ({ requests, errors, promptTokens, completionTokens }: Figure): Figure => ({ requests, errors, promptTokens, completionTokens });

describe("hourly rollups through the server", () => {
  it("agree with the raw log per hour, key, model and token, a deleted key included", async () => {
    const { keys } = await replacePool(server, upstream, "ok", "ok", "badrequest");
    const token = ((await (await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: "rollups" }) })).json()) as { token: string }).token;
    const statuses = await traffic(token);
    expect(statuses).toContain(200);
    expect(statuses).toContain(400);
    // The first key goes; its rows keep their counts under no key.
    const ids = ((await (await adminFetch(server, "/api/keys")).json()).data as { id: number }[]).map((key) => key.id).sort((a, b) => a - b);
    expect(ids).toHaveLength(keys.length);
    expect((await adminFetch(server, `/api/keys/${ids[0]}`, { method: "DELETE" })).status).toBe(204);
    await traffic(token);
    expect((await waitForLogs(server, sent)).total).toBe(sent);

    const db = new Database(server.databasePath, { readonly: true });
    const expected = rollupsFromLog(db);
    const stored = storedRollups(db);
    db.close();
    expect(new Set(expected.map((row) => row.keyId)).size).toBeGreaterThanOrEqual(3);
    expect(expected.some((row) => row.tokenId !== 0)).toBe(true);
    expect(expected.some((row) => row.errors > 0)).toBe(true);
    expect(expected.some((row) => row.model === "")).toBe(true);
    expect(stored).toEqual(expected);
  });

  it("/api/stats answers what the raw log says, from rollups for past hours and the log for this one", async () => {
    // Move everything so far three hours back (both tables alike): whole past hours for the rollups.
    const writable = new Database(server.databasePath, { timeout: 5000 });
    writable.prepare(`UPDATE "RequestLog" SET createdAt = strftime('%Y-%m-%dT%H:%M:%f+00:00', createdAt, '-3 hours')`).run();
    writable.prepare(`UPDATE "UsageRollup" SET hour = strftime('%Y-%m-%dT%H:00:00.000+00:00', hour, '-3 hours')`).run();
    writable.close();
    const token = ((await (await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: "now" }) })).json()) as { token: string }).token;
    await traffic(token);
    expect((await waitForLogs(server, sent)).total).toBe(sent);

    const stats = await (await adminFetch(server, "/api/stats")).json();
    const { from, to } = stats.range as { from: string; to: string };
    const midnight = `${to.slice(0, 10)}T00:00:00.000Z`;
    const db = new Database(server.databasePath, { readonly: true });
    const total = fromLog(db, from, to, "1")["1"];
    const today = fromLog(db, midnight, to, "1")["1"];
    const perKey = fromLog(db, from, to, "keyId");
    const perModel = fromLog(db, from, to, "model");
    const perHour = fromLog(db, from, to, `strftime('%Y-%m-%dT%H:00:00.000Z', createdAt)`);
    db.close();

    expect(total?.requests).toBe(sent);
    expect(figure(stats.totals)).toEqual(total);
    expect(figure(stats.today)).toEqual(today ?? { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0 });
    expect(Object.fromEntries((stats.perKey as (Figure & { keyId: number | null })[]).map((row) => [String(row.keyId), figure(row)]))).toEqual(perKey);
    // A model of "" is no model, as for the rollups.
    const { "": empty, null: none, ...named } = perModel;
    const noModel = [empty, none].filter((entry) => entry !== undefined).reduce((sum, entry) => ({
      requests: sum.requests + entry.requests, errors: sum.errors + entry.errors, promptTokens: sum.promptTokens + entry.promptTokens, completionTokens: sum.completionTokens + entry.completionTokens,
    }));
    expect(Object.fromEntries((stats.perModel as (Figure & { model: string | null })[]).map((row) => [String(row.model), figure(row)]))).toEqual({ ...named, null: noModel });
    const points = (stats.series as (Figure & { time: string })[]).filter((point) => point.requests > 0);
    expect(Object.fromEntries(points.map((point) => [point.time, figure(point)]))).toEqual(perHour);
    expect(points.length).toBeGreaterThanOrEqual(2);
  });
});
