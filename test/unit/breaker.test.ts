import { describe, expect, it } from "vitest";
import { admit, breakerStatus, recordAnswer, recordFailure, releaseProbe } from "@/lib/proxy/breaker";

describe("breaker", () => {
  it("opens on failures alike across keys, not on one key's, and probes one at a time", () => {
    recordAnswer();
    // Five failures on one key: that key's trouble, not an outage.
    for (let i = 0; i < 6; i += 1) recordFailure(1, "500", 1000 + i);
    expect(admit(1010)).toEqual({ kind: "pass" });
    recordAnswer();
    // Any answer in between starts the count again.
    for (let i = 0; i < 4; i += 1) recordFailure(1 + (i % 2), "refused", 2000 + i);
    recordAnswer();
    recordFailure(1, "refused", 2010);
    expect(admit(2011)).toEqual({ kind: "pass" });
    // Failures older than the window do not count.
    recordAnswer();
    for (let i = 0; i < 4; i += 1) recordFailure(1 + (i % 2), "refused", 3000 + i);
    recordFailure(2, "refused", 14_000);
    expect(admit(14_001)).toEqual({ kind: "pass" });
    for (let i = 0; i < 4; i += 1) recordFailure(1 + (i % 2), "refused", 14_002 + i);
    expect(admit(14_010)).toMatchObject({ kind: "refuse", retryAfterS: 5, reason: "refused" });
    expect(breakerStatus().breaker).toBe("open");

    // After the pause one probe goes; the rest wait. A probe that decided nothing is given back.
    expect(admit(19_010)).toEqual({ kind: "probe" });
    expect(admit(19_011)).toMatchObject({ kind: "refuse" });
    releaseProbe();
    expect(admit(19_012)).toEqual({ kind: "probe" });
    // A failed probe doubles the pause.
    recordFailure(3, "still refused", 19_100);
    expect(admit(19_101)).toMatchObject({ kind: "refuse", retryAfterS: 10 });
    expect(admit(29_200)).toEqual({ kind: "probe" });
    recordAnswer();
    expect(admit(29_300)).toEqual({ kind: "pass" });
    expect(breakerStatus()).toEqual({ breaker: "closed", reason: null, retryAt: null });
  });
});
