import { nowMs } from "../clock";
import { singleton } from "../singleton";

/** Upstream failures (5xx, timeouts, refused connections) within this window count together. */
const WINDOW_MS = 10_000;
/** This many in the window, on more than one key, open the breaker: it is the upstream, not a key. */
const FAILURES_TO_OPEN = 5;
const FIRST_PAUSE_MS = 5_000;
const LONGEST_PAUSE_MS = 60_000;

export type BreakerState = "closed" | "open" | "half-open";

type Breaker = {
  state: BreakerState;
  failures: { at: number; keyId: number }[];
  /** While open: when the next probe may go. */
  retryAt: number;
  pauseMs: number;
  probing: boolean;
  reason: string | null;
};

const breaker = singleton<Breaker>("breaker", () => ({ state: "closed", failures: [], retryAt: 0, pauseMs: FIRST_PAUSE_MS, probing: false, reason: null }));

export type Admission = { kind: "pass" } | { kind: "probe" } | { kind: "refuse"; retryAfterS: number; reason: string };

/**
 * Whether a request may go upstream now. Closed: yes. Open: no, a fast refusal, until the pause
 * is over; then one request at a time goes as the probe that decides.
 */
export function admit(now = nowMs()): Admission {
  if (breaker.state === "closed") return { kind: "pass" };
  if (breaker.state === "open" && now >= breaker.retryAt && !breaker.probing) {
    breaker.state = "half-open";
    breaker.probing = true;
    return { kind: "probe" };
  }
  return { kind: "refuse", retryAfterS: Math.max(1, Math.ceil((breaker.retryAt - now) / 1000)), reason: breaker.reason ?? "the upstream is unreachable" };
}

export function breakerClosed(): boolean {
  return breaker.state === "closed";
}

/** An attempt that met upstream trouble; opens the breaker when different keys fail alike. */
export function recordFailure(keyId: number, reason: string, now = nowMs()): void {
  if (breaker.state !== "closed") {
    // A failed probe: the upstream is still down; wait longer before the next one.
    if (breaker.probing) open(reason, Math.min(breaker.pauseMs * 2, LONGEST_PAUSE_MS), now);
    return;
  }
  breaker.failures = breaker.failures.filter((failure) => now - failure.at < WINDOW_MS);
  breaker.failures.push({ at: now, keyId });
  const keys = new Set(breaker.failures.map((failure) => failure.keyId));
  if (breaker.failures.length >= FAILURES_TO_OPEN && keys.size > 1) open(reason, FIRST_PAUSE_MS, now);
}

/** Any answer the upstream gave that is not upstream trouble: it is reachable. */
export function recordAnswer(): void {
  if (breaker.state === "closed" && breaker.failures.length === 0) return;
  breaker.state = "closed";
  breaker.failures = [];
  breaker.probing = false;
  breaker.pauseMs = FIRST_PAUSE_MS;
  breaker.reason = null;
}

/** A probe that ended without telling (the client left): the next request may probe. */
export function releaseProbe(): void {
  if (breaker.probing && breaker.state === "half-open") {
    breaker.probing = false;
    breaker.state = "open";
  }
}

function open(reason: string, pauseMs: number, now: number): void {
  breaker.state = "open";
  breaker.probing = false;
  breaker.pauseMs = pauseMs;
  breaker.retryAt = now + pauseMs;
  breaker.reason = reason;
  breaker.failures = [];
}

export function breakerStatus(): { breaker: BreakerState; reason: string | null; retryAt: string | null } {
  return {
    breaker: breaker.state,
    reason: breaker.reason,
    retryAt: breaker.state === "closed" ? null : new Date(breaker.retryAt).toISOString(),
  };
}
