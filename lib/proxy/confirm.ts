import { nowMs } from "../clock";
import type { PoolKey } from "../keys/status";
import { singleton } from "../singleton";
import { classify, type AttemptVerdict } from "./classify";
import { probeKey } from "./upstream";

/** A key that answered a cheap call this recently is not asked again: a burst of refusals costs one call. */
const CONFIRMED_FOR_MS = 60_000;

/** The key is fine; what was refused is unknown, so nothing is remembered against the key. */
const REFUSED_REQUEST: AttemptVerdict = { kind: "request", lacks: null };

const confirmed = singleton("confirmedKeys", () => new Map<number, number>());

/**
 * An OpenAI 401/403 that names no cause: the key lists models with the upstream. Refused there
 * too, the key is bad; accepted (or no answer at all), the refusal was the request's.
 */
export async function confirmRefusal(key: PoolKey): Promise<AttemptVerdict> {
  const last = confirmed.get(key.id);
  if (last !== undefined && nowMs() - last < CONFIRMED_FOR_MS) return REFUSED_REQUEST;
  let probe: { status: number; body: string };
  try {
    probe = await probeKey(key.apiKey);
  } catch {
    return REFUSED_REQUEST;
  }
  if (probe.status < 400) {
    confirmed.set(key.id, nowMs());
    return REFUSED_REQUEST;
  }
  const verdict = classify(probe.status, null, probe.body, nowMs(), 0);
  return verdict.kind === "invalid" || verdict.kind === "confirm" ? { kind: "invalid" } : REFUSED_REQUEST;
}
