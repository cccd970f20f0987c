import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceOf } from "@/lib/cost/prices";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { adminFetch, replacePool, postChat, startKeyPool, waitForLogs, type KeyPoolServer } from "../helpers/keypool";

// Cost on every row, in the statistics by key, model and token, unpriced requests counted as such,
// and per-model price overrides for later requests only.

let upstream: FakeOpenAI;
let server: KeyPoolServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
  await replacePool(server, upstream, "ok");
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

const chat = (model: string) => postChat(server, { model, messages: [{ role: "user", content: "hi" }] }).then((response) => response.status);

const costs = () => {
  const db = new Database(server.databasePath, { readonly: true });
  try {
    return db.prepare(`SELECT model, costUsd FROM RequestLog ORDER BY id`).all() as { model: string; costUsd: number | null }[];
  } finally {
    db.close();
  }
};

type Row = { costUsd: number; unpriced: number; requests: number };
type StatsView = { totals: Row; perModel: (Row & { model: string | null })[]; perKey: Row[]; perToken: (Row & { tokenId: number | null })[] };

describe("cost", () => {
  it("is stored on each row and summed in the statistics by key, model and token; an unknown model is unpriced, an override prices later rows only", async () => {
    const price = priceOf("gpt-4o-mini");
    if (!price) throw new Error("gpt-4o-mini has no bundled price");
    // The fake answers 11 prompt tokens (4 of them cached) and 7 completion tokens (2 of them reasoning).
    const each = (7 * price.input + 4 * price.cachedInput + 7 * price.output) / 1e6;
    expect(await chat("gpt-4o-mini")).toBe(200);
    expect(await chat("gpt-4o-mini")).toBe(200);
    expect(await chat("gpt-unknown-to-the-table")).toBe(200);
    await waitForLogs(server, 3);

    const stats = (await (await adminFetch(server, "/api/stats")).json()) as StatsView;
    expect(stats.totals).toMatchObject({ requests: 3, unpriced: 1 });
    expect(stats.totals.costUsd).toBeCloseTo(2 * each, 12);
    const mini = stats.perModel.find((row) => row.model === "gpt-4o-mini");
    expect(mini?.costUsd).toBeCloseTo(2 * each, 12);
    expect(stats.perModel.find((row) => row.model === "gpt-unknown-to-the-table")).toMatchObject({ costUsd: 0, unpriced: 1 });
    expect(stats.perKey[0]?.costUsd).toBeCloseTo(2 * each, 12);
    expect(stats.perToken).toEqual([expect.objectContaining({ tokenId: null, requests: 3, unpriced: 1 })]);

    // An override on the Models page prices later requests; stored rows keep what they cost.
    const created = await adminFetch(server, "/api/models", { method: "POST", body: JSON.stringify({ name: "gpt-4o-mini" }) });
    const model = (await created.json()) as { id: number; price: { source: string } | null };
    expect(model.price).toMatchObject({ source: "bundled" });
    const edited = await adminFetch(server, `/api/models/${model.id}`, { method: "PUT", body: JSON.stringify({ price: { input: 1, cachedInput: 0.5, output: 2 } }) });
    expect(await edited.json()).toMatchObject({ price: { input: 1, cachedInput: 0.5, output: 2, source: "override" } });
    expect(await chat("gpt-4o-mini")).toBe(200);
    await waitForLogs(server, 4);
    const stored = costs();
    expect(stored.slice(0, 2).map((row) => row.costUsd)).toEqual([expect.closeTo(each, 12), expect.closeTo(each, 12)]);
    expect(stored[2]?.costUsd).toBeNull();
    expect(stored[3]?.costUsd).toBeCloseTo((7 * 1 + 4 * 0.5 + 7 * 2) / 1e6, 12);

    // Removing the override goes back to the table.
    await adminFetch(server, `/api/models/${model.id}`, { method: "PUT", body: JSON.stringify({ price: null }) });
    expect(await chat("gpt-4o-mini")).toBe(200);
    await waitForLogs(server, 5);
    expect(costs()[4]?.costUsd).toBeCloseTo(each, 12);
  });

  it("refuses a negative price and changes nothing", async () => {
    const created = (await (await adminFetch(server, "/api/models", { method: "POST", body: JSON.stringify({ name: "priced-by-hand" }) })).json()) as { id: number };
    const bad = await adminFetch(server, `/api/models/${created.id}`, { method: "PUT", body: JSON.stringify({ price: { input: -1, output: 1 } }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("price.input");
  });
});
