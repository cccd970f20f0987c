import { describe, expect, it } from "vitest";
import { LiveList } from "@/lib/live-list";

describe("LiveList", () => {
  it("holds what was added until its link is deleted, in any order", () => {
    const list = new LiveList<string>();
    const links = ["a", "b", "c", "d"].map((value) => list.add(value));
    expect(list.size).toBe(4);
    expect(list.values().sort()).toEqual(["a", "b", "c", "d"]);
    list.delete(links[1]!);
    list.delete(links[3]!);
    expect(list.values().sort()).toEqual(["a", "c"]);
    list.delete(links[0]!);
    list.delete(links[2]!);
    expect(list.size).toBe(0);
    expect(list.values()).toEqual([]);
    list.add("e");
    expect(list.values()).toEqual(["e"]);
  });

  it("ignores a link deleted twice and lets go of the deleted value", () => {
    const list = new LiveList<object>();
    const kept = list.add({ id: 1 });
    const gone = list.add({ id: 2 });
    list.delete(gone);
    list.delete(gone);
    expect(list.size).toBe(1);
    expect(gone.value).toBeNull();
    expect(list.values()).toEqual([kept.value]);
  });

  it("hands out a copy, so values may leave the list while it is worked through", () => {
    const list = new LiveList<number>();
    const links = new Map([1, 2, 3].map((value) => [value, list.add(value)]));
    const seen: number[] = [];
    for (const value of list.values()) {
      seen.push(value);
      list.delete(links.get(value)!);
    }
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(list.size).toBe(0);
  });
});
