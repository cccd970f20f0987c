import { describe, expect, it } from "vitest";
import { nextKeyId } from "@/lib/rotation/order";

describe("nextKeyId", () => {
  it("goes round the eligible ids in ascending order", () => {
    const ids = [2, 5, 9];
    const seen: number[] = [];
    let cursor: number | null = null;
    for (let i = 0; i < 7; i += 1) {
      cursor = nextKeyId(ids, cursor);
      seen.push(cursor as number);
    }
    expect(seen).toEqual([2, 5, 9, 2, 5, 9, 2]);
  });

  it("continues above a cursor whose key is gone", () => {
    expect(nextKeyId([2, 9], 5)).toBe(9);
    expect(nextKeyId([2, 9], 9)).toBe(2);
    expect(nextKeyId([2, 9], 40)).toBe(2);
  });

  it("avoids keys already tried while others remain, and reuses them when none do", () => {
    expect(nextKeyId([1, 2, 3], 1, new Set([2]))).toBe(3);
    expect(nextKeyId([1, 2, 3], 3, new Set([1, 2, 3]))).toBe(1);
  });

  it("has nothing to give when no key is eligible", () => {
    expect(nextKeyId([], 3)).toBeNull();
  });
});
