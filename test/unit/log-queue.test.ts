import { describe, expect, it } from "vitest";
import { createLogQueue, NOT_KEPT } from "@/lib/usage/log-queue";
import type { LogEntry } from "@/lib/usage/request-log";

const row = (n: number, body: string | null = null): LogEntry => ({
  keyId: 1, tokenId: null, source: "v1", method: "POST", endpoint: "/v1/chat/completions", model: "gpt-4o", stream: false,
  status: 200, attempts: [], latencyMs: n, ttfbMs: null, promptTokens: 1, completionTokens: 1, cachedTokens: null, reasoningTokens: null, costUsd: null, error: null,
  requestId: `r${n}`, upstreamRequestId: null, requestBody: body, responseBody: body, responseStream: null, createdAt: new Date(),
});

/** A writer thread stand-in that fails while `failing` is set and remembers what it stored. */
function fakeWriter() {
  const stored: LogEntry[] = [];
  const keys: [number, unknown][] = [];
  const writer = {
    failing: false,
    attempts: 0,
    stored,
    keys,
    write: async (batch: readonly LogEntry[], updates: [number, unknown][]) => {
      writer.attempts += 1;
      if (writer.failing) throw new Error("SqliteError: database or disk is full");
      stored.push(...batch);
      keys.push(...updates);
    },
  };
  return writer;
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("the log queue", () => {
  it("keeps rows in order through a failing writer, retries with growing waits, and reports the failure until it recovers", async () => {
    const writer = fakeWriter();
    const queue = createLogQueue({ write: writer.write, flushDelayMs: 1, firstRetryMs: 10, longestRetryMs: 40 });
    writer.failing = true;
    for (let n = 0; n < 5; n += 1) queue.add(row(n));
    await until(() => writer.attempts >= 4);
    expect(queue.status()).toMatchObject({ queued: 5, failing: true, lastError: "SqliteError: database or disk is full", dropped: 0 });
    writer.failing = false;
    await until(() => writer.stored.length === 5);
    expect(writer.stored.map((entry) => entry.requestId)).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(queue.status()).toMatchObject({ queued: 0, failing: false, lastError: null });
  });

  it("drops what passes its bound, counted, and keeps rows without bodies when bodies would pass theirs", async () => {
    const writer = fakeWriter();
    writer.failing = true;
    const queue = createLogQueue({ write: writer.write, maxRecords: 3, maxBodyBytes: 100, flushDelayMs: 1, firstRetryMs: 1000 });
    queue.add(row(0, "x".repeat(40)));
    queue.add(row(1, "y".repeat(40)));
    queue.add(row(2));
    queue.add(row(3));
    queue.add(row(4));
    expect(queue.status()).toMatchObject({ queued: 3, dropped: 2, bodiesDropped: 1 });
    writer.failing = false;
    expect(await queue.drain(Date.now() + 5000)).toBe(0);
    expect(writer.stored.map((entry) => [entry.requestId, entry.requestBody?.slice(0, 3) ?? null])).toEqual([["r0", "xxx"], ["r1", NOT_KEPT.slice(0, 3)], ["r2", null]]);
  });

  it("stores key updates with the rows, the newest value of each field winning, also across a failed write", async () => {
    const writer = fakeWriter();
    const queue = createLogQueue({ write: writer.write, flushDelayMs: 1, firstRetryMs: 5 });
    writer.failing = true;
    queue.updateKey(7, { state: { status: "invalid", coolingUntil: null, lastError: "bad" } });
    await until(() => writer.attempts >= 1);
    queue.updateKey(7, { refusals: "{}" });
    queue.updateKey(7, { state: { status: "cooling", coolingUntil: null, lastError: "429" } });
    writer.failing = false;
    expect(await queue.drain(Date.now() + 5000)).toBe(0);
    expect(writer.keys).toEqual([[7, { state: { status: "cooling", coolingUntil: null, lastError: "429" }, refusals: "{}" }]]);
  });

  it("gives up at the deadline when the writer keeps failing and says how many rows are left", async () => {
    const writer = fakeWriter();
    writer.failing = true;
    const queue = createLogQueue({ write: writer.write, flushDelayMs: 1, firstRetryMs: 5 });
    for (let n = 0; n < 4; n += 1) queue.add(row(n));
    expect(await queue.drain(Date.now() + 100)).toBe(4);
    expect(writer.stored).toEqual([]);
  });

  it("leaves rows that arrive during a write to their own batch instead of writing them at once in a small one, and writes them all at shutdown", async () => {
    const batches: string[][] = [];
    let finishWrite = () => {};
    const write = async (batch: readonly LogEntry[]) => {
      batches.push(batch.map((entry) => entry.requestId ?? ""));
      await new Promise<void>((resolve) => (finishWrite = resolve));
    };
    // The delay never passes here: only a full batch (two rows) or the drain sends rows.
    const queue = createLogQueue({ write, batchSize: 2, flushDelayMs: 60_000 });
    queue.add(row(0));
    queue.add(row(1));
    await until(() => batches.length === 1);
    queue.add(row(2));
    finishWrite();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([["r0", "r1"]]);
    queue.add(row(3));
    await until(() => batches.length === 2);
    expect(batches[1]).toEqual(["r2", "r3"]);
    queue.add(row(4));
    finishWrite();
    const drained = queue.drain(Date.now() + 5000);
    await until(() => batches.length === 3);
    finishWrite();
    expect(await drained).toBe(0);
    expect(batches[2]).toEqual(["r4"]);
  });
});
