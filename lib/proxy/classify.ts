export type AttemptVerdict =
  | { kind: "deliver" }
  | { kind: "invalid" }
  | { kind: "exhausted" }
  | { kind: "cooling"; untilMs: number }
  | { kind: "transient" };

type ErrorBody = { error?: { code?: unknown; type?: unknown } };

function errorCode(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as ErrorBody;
    const code = parsed.error?.code ?? parsed.error?.type;
    return typeof code === "string" ? code : null;
  } catch {
    return null;
  }
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** What an upstream answer means for the key and for the request (SPEC §5). */
export function classify(status: number, retryAfter: string | null, body: string, now: number, defaultCooldownMs: number): AttemptVerdict {
  if (status < 400) return { kind: "deliver" };
  if (status === 401 || status === 403) return { kind: "invalid" };
  if (status === 429) {
    if (errorCode(body) === "insufficient_quota") return { kind: "exhausted" };
    return { kind: "cooling", untilMs: now + (retryAfterMs(retryAfter, now) ?? defaultCooldownMs) };
  }
  if (status >= 500) return { kind: "transient" };
  return { kind: "deliver" };
}
