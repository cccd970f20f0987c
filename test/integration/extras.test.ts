import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, replacePool, startKeyPool, waitForLogs, type KeyPoolServer } from "../helpers/keypool";
import { parseCsv } from "../helpers/csv";

// "Try" a key in the playground (POST /api/chat with keyId: that key only) and the request log
// as CSV (GET /api/usage/export), against the real server and a fake OpenAI.

let upstream: FakeOpenAI;
let server: KeyPoolServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

const masked = (key: string) => `sk-...${key.slice(-4)}`;
const tryChat = (body: Record<string, unknown>) =>
  adminFetch(server, "/api/chat", { method: "POST", body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "try" }], stream: true, ...body }) });
const callsSince = (before: number) => upstream.calls.slice(before);

describe("trying one key in the playground", () => {
  let keys: string[];
  let ids: number[];

  beforeAll(async () => {
    ({ keys, ids } = await replacePool(server, upstream, "ok", "ok", "ok", "error500", "invalid"));
  });

  it("without keyId the pool rotates (so the pinned runs below prove something)", async () => {
    const before = upstream.calls.length;
    for (let i = 0; i < 6; i += 1) expect((await tryChat({})).status).toBe(200);
    expect(new Set(callsSince(before).map((call) => call.key)).size).toBeGreaterThan(1);
  });

  it("with keyId every request reaches that key alone, streams, names it and is logged against it", async () => {
    for (const index of [0, 1, 2]) {
      const key = keys[index] as string;
      const id = ids[index] as number;
      const before = upstream.calls.length;
      const requestIds: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const response = await tryChat({ keyId: id });
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
        expect(response.headers.get("x-keypool-key")).toBe(masked(key));
        expect(await response.text()).toContain("data: [DONE]");
        requestIds.push(response.headers.get("x-keypool-request-id") as string);
      }
      const calls = callsSince(before);
      expect(calls.map((call) => call.key)).toEqual([key, key, key]);
      // keyId is KeyPool's, not OpenAI's: it is not passed on.
      expect(calls.every((call) => !("keyId" in (call.body as Record<string, unknown>)))).toBe(true);
      for (const requestId of requestIds) {
        const { data } = await waitForLogs(server, 1, `&requestId=${requestId}`);
        expect(data[0]).toMatchObject({ keyId: id, source: "playground", status: 200, attempts: 1 });
      }
    }
  });

  it("an unknown keyId is a 404 in OpenAI's shape, with no upstream call; a malformed one a 400", async () => {
    const before = upstream.calls.length;
    const response = await tryChat({ keyId: 999_999 });
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatchObject({ type: "invalid_request_error", code: "key_not_found", param: "keyId" });
    for (const keyId of [0, -1, "abc", 1.5]) expect((await tryChat({ keyId })).status, String(keyId)).toBe(400);
    expect(callsSince(before)).toHaveLength(0);
  });

  it("a failing key is not retried on another: its own answer comes back", async () => {
    const failing = keys[3] as string;
    let before = upstream.calls.length;
    const response = await tryChat({ keyId: ids[3] });
    expect(response.status).toBe(500);
    expect(response.headers.get("x-keypool-key")).toBe(masked(failing));
    expect(callsSince(before).map((call) => call.key)).toEqual([failing]);

    const invalid = keys[4] as string;
    before = upstream.calls.length;
    const refused = await tryChat({ keyId: ids[4] });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("invalid_api_key");
    expect(callsSince(before).map((call) => call.key)).toEqual([invalid]);
  });

  it("a key out of rotation (invalid, disabled) is still tried on purpose", async () => {
    const statuses = (await (await adminFetch(server, "/api/keys")).json()).data as { id: number; status: string }[];
    expect(statuses.find((key) => key.id === ids[4])?.status).toBe("invalid");
    let before = upstream.calls.length;
    expect((await tryChat({ keyId: ids[4] })).status).toBe(401);
    expect(callsSince(before).map((call) => call.key)).toEqual([keys[4]]);

    await adminFetch(server, `/api/keys/${ids[0]}`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) });
    before = upstream.calls.length;
    const response = await tryChat({ keyId: ids[0] });
    expect(response.status).toBe(200);
    await response.text();
    expect(callsSince(before).map((call) => call.key)).toEqual([keys[0]]);
    await adminFetch(server, `/api/keys/${ids[0]}`, { method: "PUT", body: JSON.stringify({ status: "active" }) });
  });
});

const COLUMNS = ["id", "createdAt", "requestId", "source", "method", "endpoint", "model", "stream", "status", "attempts", "latencyMs", "ttfbMs", "promptTokens", "completionTokens", "keyId", "key", "tokenId", "error"];

type LogRow = Record<string, unknown> & { id: number; maskedKey: string | null };

/** What the CSV should say for a row of GET /api/usage: nulls empty, formula-like text behind a `'`. */
function expectedCells(row: LogRow): string[] {
  return COLUMNS.map((column) => {
    const value = column === "key" ? row.maskedKey : row[column];
    if (value === null || value === undefined) return "";
    const text = String(value);
    return typeof value === "string" && /^[=+\-@]/.test(text) ? `'${text}` : text;
  });
}

async function exportCsv(search = ""): Promise<{ response: Response; rows: string[][] }> {
  const response = await adminFetch(server, `/api/usage/export${search}`);
  expect(response.status, await response.clone().text()).toBe(200);
  const [header, ...rows] = parseCsv(await response.text());
  expect(header).toEqual(COLUMNS);
  return { response, rows };
}

async function listed(search: string): Promise<LogRow[]> {
  const body = (await (await adminFetch(server, `/api/usage?pageSize=200${search}`)).json()) as { data: LogRow[]; total: number };
  expect(body.total).toBeLessThanOrEqual(200);
  return body.data;
}

/** The log's row count once the writer has caught up with earlier requests. */
async function settledTotal(): Promise<number> {
  let last = -1;
  for (;;) {
    const { total } = await waitForLogs(server, 0);
    if (total === last) return total;
    last = total;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe("the request log as CSV", () => {
  const ODD = 'odd, "quoted"\nmodel';
  const FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd"];
  let ids: number[];
  let tokenId: number;
  let requestId: string;
  let total: number;

  beforeAll(async () => {
    let keys: string[];
    ({ keys, ids } = await replacePool(server, upstream, "ok", "ok"));
    // Any other model is refused with a message that quotes it (commas, quotes, line breaks and all).
    for (const key of keys) upstream.modelsByKey.set(key, ["gpt-4o-mini"]);
    const client = (model: string, auth = ADMIN_KEY) =>
      fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "SECRET-PROMPT-BODY" }] }) });
    const before = await settledTotal();
    for (const model of ["gpt-4o-mini", ODD, ...FORMULAS]) await (await client(model)).text();
    const token = ((await (await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: "csv" }) })).json()) as { token: string }).token;
    const withToken = await client("gpt-4o-mini", token);
    requestId = withToken.headers.get("x-keypool-request-id") as string;
    await withToken.text();
    await (await tryChat({ keyId: ids[1] })).text();
    total = before + FORMULAS.length + 4;
    const logged = await waitForLogs(server, total);
    expect(logged.total).toBe(total);
    tokenId = logged.data.find((row) => row.requestId === requestId)?.tokenId as number;
    expect(tokenId).toBeGreaterThan(0);
  });

  it("answers a CSV download with a header row and every row, newest first, as the list has it", async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const { response, rows } = await exportCsv(`?from=${encodeURIComponent(from)}`);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="keypool-requests-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.csv"$/);
    expect(response.headers.get("content-disposition")).toContain(from.replace(/\.\d{3}/, "").replace(/[-:]/g, ""));
    expect(response.headers.get("x-keypool-truncated")).toBe("false");
    expect(rows).toHaveLength(total);
    const ids = rows.map((row) => Number(row[0]));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(rows).toEqual((await listed(`&from=${encodeURIComponent(from)}`)).map(expectedCells));
  });

  it("keeps commas, quotes and line breaks inside their cell and guards formula-like text", async () => {
    const { rows } = await exportCsv();
    const byModel = (model: string) => rows.filter((row) => row[6] === model);
    expect(byModel(ODD)).toHaveLength(1);
    for (const formula of FORMULAS) expect(byModel(`'${formula}`), formula).toHaveLength(1);
    expect(byModel(ODD)[0]?.[17]).toContain(ODD);
    expect(byModel(ODD)[0]?.[8]).toBe("404");
    expect(rows.every((row) => row.length === COLUMNS.length)).toBe(true);
  });

  it("leaves the request and response bodies out", async () => {
    const text = await (await adminFetch(server, "/api/usage/export")).text();
    expect(text).not.toContain("SECRET-PROMPT-BODY");
    expect(text).not.toContain("Hello from the fake upstream");
  });

  it("applies the list's filters", async () => {
    const row = (await listed("")).find((candidate) => candidate.model === "gpt-4o-mini") as LogRow;
    const cases = [
      `?keyId=${ids[1]}`,
      `?model=${encodeURIComponent(ODD)}`,
      `?model=${encodeURIComponent("=1+2")}`,
      "?status=error",
      "?status=success",
      "?status=404",
      "?source=playground",
      `?requestId=${requestId}`,
      `?tokenId=${tokenId}`,
      `?from=${encodeURIComponent(String(row.createdAt))}&to=${encodeURIComponent(new Date(Date.parse(String(row.createdAt)) + 1).toISOString())}`,
    ];
    for (const search of cases) {
      const expected = (await listed(`&${search.slice(1)}`)).map(expectedCells);
      expect(expected.length, search).toBeGreaterThan(0);
      expect(expected.length, search).toBeLessThan(total);
      expect((await exportCsv(search)).rows, search).toEqual(expected);
    }
    expect((await exportCsv(`?tokenId=${tokenId}`)).rows.map((cells) => cells[2])).toEqual([requestId]);
    expect((await adminFetch(server, "/api/usage/export?status=maybe")).status).toBe(400);
    expect((await fetch(`${server.url}/api/usage/export`)).status).toBe(401);
  });

  it("reads a large log page by page and stops at the bound, saying so", async () => {
    const db = new Database(server.databasePath);
    const insert = db.prepare(`INSERT INTO "RequestLog" (source, method, endpoint, model, stream, status, attempts, latencyMs, createdAt) VALUES ('v1', 'POST', '/v1/chat/completions', 'bulk', 0, 200, 1, ?, ?)`);
    db.transaction(() => {
      for (let i = 0; i < 2_500; i += 1) insert.run(i, new Date().toISOString().replace("Z", "+00:00"));
    })();
    db.close();
    const whole = await exportCsv("?model=bulk");
    expect(whole.rows).toHaveLength(2_500);
    expect(whole.response.headers.get("x-keypool-truncated")).toBe("false");
    const latencies = whole.rows.map((row) => Number(row[10]));
    expect(latencies).toEqual(Array.from({ length: 2_500 }, (_, index) => 2_499 - index));

    const cut = await exportCsv("?model=bulk&limit=2100");
    expect(cut.response.headers.get("x-keypool-truncated")).toBe("true");
    expect(cut.rows).toEqual(whole.rows.slice(0, 2_100));
    expect((await exportCsv("?model=bulk&limit=2500")).response.headers.get("x-keypool-truncated")).toBe("false");
    expect((await adminFetch(server, "/api/usage/export?limit=100001")).status).toBe(400);
  });
});
