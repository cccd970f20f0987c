import { describe, expect, it } from "vitest";
import { capRest, forgetKeyUse, noteKeyRequest } from "@/lib/keys/caps";

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
let nextId = 1000;
const keyWith = (rpm: number | null) => ({ id: nextId++, caps: { rpm, dailyBudgetUsd: null } });

describe("a key's requests per minute", () => {
  it("rests a key at its cap until its oldest requests have left the minute", () => {
    const key = keyWith(3);
    noteKeyRequest(key.id, T0 + 100);
    noteKeyRequest(key.id, T0 + 1_500);
    expect(capRest(key, T0 + 2_000)).toBeNull();
    noteKeyRequest(key.id, T0 + 2_200);
    noteKeyRequest(key.id, T0 + 2_900);
    // 4 in the minute, cap 3: under it again once the first two seconds have left (the second one at T0 + 61 s).
    expect(capRest(key, T0 + 3_000)).toEqual({ until: new Date(T0 + 1_000 + 60_000), reason: "rpm" });
    expect(capRest(key, T0 + 60_500)).toEqual({ until: new Date(T0 + 1_000 + 60_000), reason: "rpm" });
    expect(capRest(key, T0 + 61_000)).toBeNull();
    forgetKeyUse(key.id);
  });

  it("counts a busy key in constant memory, and forgets the minute once it has passed", () => {
    const key = keyWith(100_000);
    for (let ms = 0; ms < 120_000; ms += 1) noteKeyRequest(key.id, T0 + ms);
    // The last 60 seconds hold 60,000 requests: under the cap of 100,000.
    expect(capRest(key, T0 + 119_999)).toBeNull();
    expect(capRest({ ...key, caps: { rpm: 60_000, dailyBudgetUsd: null } }, T0 + 119_999)).toEqual({ until: new Date(T0 + 60_000 + 60_000), reason: "rpm" });
    expect(capRest({ ...key, caps: { rpm: 1, dailyBudgetUsd: null } }, T0 + 180_000)).toBeNull();
  });

  it("leaves a key without caps alone", () => {
    const key = keyWith(null);
    for (let i = 0; i < 10; i += 1) noteKeyRequest(key.id, T0);
    expect(capRest(key, T0)).toBeNull();
  });
});
