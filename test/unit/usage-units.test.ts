import { describe, expect, it } from "vitest";
import { fillSeries } from "@/lib/usage/series";
import { usageDeltas } from "@/lib/usage/batch-totals";
import type { LogEntry } from "@/lib/usage/request-log";

describe("fillSeries", () => {
  it("puts rows in their buckets and fills the gaps with zeros", () => {
    const from = new Date("2026-01-01T10:30:00Z");
    const to = new Date("2026-01-01T14:00:00Z");
    const rows = [{ time: "2026-01-01T12:00:00Z", requests: 3, errors: 1, promptTokens: 5, completionTokens: 6, costUsd: 0.01, unpriced: 0 }];
    const series = fillSeries(rows, from, to, "hour");
    expect(series.map((point) => point.time)).toEqual(["2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000Z", "2026-01-01T12:00:00.000Z", "2026-01-01T13:00:00.000Z"]);
    expect(series.map((point) => point.requests)).toEqual([0, 0, 3, 0]);
  });

  it("buckets by day", () => {
    const series = fillSeries([], new Date("2026-01-01T05:00:00Z"), new Date("2026-01-03T01:00:00Z"), "day");
    expect(series.map((point) => point.time.slice(0, 10))).toEqual(["2026-01-01", "2026-01-02", "2026-01-03"]);
  });
});

describe("usageDeltas", () => {
  const base: Omit<LogEntry, "attempts" | "keyId"> = {
    tokenId: null, source: "v1", method: "POST", endpoint: "/v1/chat/completions", model: "m", stream: false, status: 200,
    latencyMs: 1, ttfbMs: 1, promptTokens: 10, completionTokens: 5, cachedTokens: null, reasoningTokens: null, costUsd: null, error: null, requestId: null, upstreamRequestId: null, requestBody: null, responseBody: null, responseStream: null,
    createdAt: new Date("2026-01-01T00:00:00Z"),
  };

  it("counts every upstream attempt on its key, errors for failed ones, tokens for the one that served", () => {
    const deltas = usageDeltas([
      { ...base, keyId: 2, attempts: [{ keyId: 1, failed: true, outcome: "transient" }, { keyId: 2, failed: false, outcome: "success" }] },
      { ...base, keyId: 2, attempts: [{ keyId: 2, failed: false, outcome: "success" }] },
    ]);
    expect(deltas).toEqual([
      expect.objectContaining({ keyId: 1, model: "m", requests: 1, errors: 1, promptTokens: 0, completionTokens: 0 }),
      expect.objectContaining({ keyId: 2, model: "m", requests: 2, errors: 0, promptTokens: 20, completionTokens: 10 }),
    ]);
  });
});
