import { describe, expect, it } from "vitest";
import { breakdownChart, bucketLabel, tokenChart, trafficChart } from "@/lib/charts/series";

const names = { requests: "Requests", errors: "Errors", prompt: "Prompt", completion: "Completion" };
const series = [
  { time: "2026-01-01T10:00:00.000Z", requests: 4, errors: 1, promptTokens: 40, completionTokens: 12, costUsd: 0.5, unpriced: 0 },
  { time: "2026-01-01T11:00:00.000Z", requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, unpriced: 0 },
];

describe("chart data", () => {
  it("labels buckets in the viewer's language and time zone", () => {
    expect(bucketLabel(series[0]!.time, "hour", "en-GB", "UTC")).toBe("01/01, 10:00");
    expect(bucketLabel(series[0]!.time, "day", "zh-CN", "Asia/Shanghai")).toBe("2026/01/01");
  });

  it("maps the series to requests/errors and prompt/completion datasets", () => {
    const traffic = trafficChart(series, "hour", "en-GB", names, "UTC");
    expect(traffic.datasets.map((set) => [set.label, set.data])).toEqual([["Requests", [4, 0]], ["Errors", [1, 0]]]);
    expect(tokenChart(series, "hour", "en-GB", names, "UTC").datasets[1]?.data).toEqual([12, 0]);
  });

  it("splits groups into successes and errors, biggest first", () => {
    const chart = breakdownChart([{ name: "a", requests: 2, errors: 0 }, { name: "b", requests: 5, errors: 2 }], (row) => row.name, names);
    expect(chart.labels).toEqual(["b", "a"]);
    expect(chart.datasets[0]?.data).toEqual([3, 2]);
    expect(chart.datasets[1]?.data).toEqual([2, 0]);
  });
});

import { readChunk, takeSseData } from "@/lib/chat/sse-client";

describe("playground SSE reading", () => {
  it("keeps an unfinished event for the next read", () => {
    const first = takeSseData('data: {"a":1}\n\ndata: {"b"');
    expect(first).toEqual({ payloads: ['{"a":1}'], rest: 'data: {"b"' });
    expect(takeSseData(`${first.rest}:2}\n\ndata: [DONE]\n\n`).payloads).toEqual(['{"b":2}', "[DONE]"]);
  });

  it("reads text, usage and the end", () => {
    expect(readChunk('{"choices":[{"delta":{"content":"Hi"}}]}')).toEqual({ text: "Hi", usage: null, done: false });
    expect(readChunk('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}').usage).toEqual({ prompt_tokens: 3, completion_tokens: 4 });
    expect(readChunk("[DONE]").done).toBe(true);
  });
});
