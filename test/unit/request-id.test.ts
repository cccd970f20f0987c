import { describe, expect, it } from "vitest";
import { newRequestId } from "@/lib/server/request-id";

describe("newRequestId", () => {
  it("is a UUID version 7 whose order follows time", async () => {
    const first = newRequestId();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const ids = Array.from({ length: 50 }, () => newRequestId());
    for (const id of [first, ...ids]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.every((id) => id > first)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Number.parseInt(first.replace("-", "").slice(0, 12), 16)).toBeCloseTo(Date.now(), -3);
  });
});
