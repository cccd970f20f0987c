export type AttemptVerdict =
  /** A success, or the client's own error: it goes back as it came. */
  | { kind: "deliver" }
  /** The upstream says the key itself is bad. */
  | { kind: "invalid" }
  | { kind: "exhausted" }
  | { kind: "cooling"; untilMs: number }
  /**
   * Permission, scope, region or model access: the request's error, not the key's; another key
   * may do. `lacks` says what this key may not use (a region refusal says nothing about the key).
   */
  | { kind: "request"; lacks: "model" | "scope" | null }
  /** An OpenAI 401/403 that names no cause: a cheap call with the key decides before it is blamed. */
  | { kind: "confirm" }
  /** 5xx, and anything that is not an OpenAI error (a gateway's or firewall's page): upstream trouble. */
  | { kind: "transient" };

export type OpenAIError = { code: string | null; type: string | null; message: string };

// Codes by which OpenAI says the key (or the account behind it) is unusable.
const KEY_CODES = new Set(["invalid_api_key", "account_deactivated", "invalid_organization", "no_organization", "organization_deactivated", "user_deactivated"]);
// Codes and types that belong to the request: another key (another project) may be allowed.
const MODEL_CODES = new Set(["model_not_found", "model_not_available"]);
const SCOPE_CODES = new Set(["insufficient_permissions", "missing_scope"]);
const REQUEST_CODES = new Set(["unsupported_country_region_territory"]);
const REQUEST_TYPES = new Set(["request_forbidden"]);
// OpenAI sends scope errors of restricted keys without a code; their wording is all there is.
const SCOPE_MESSAGE = /missing scopes|insufficient permissions/i;
const INCORRECT_KEY_MESSAGE = /incorrect api key provided/i;

/** The error object of an OpenAI error answer (`{"error": {…}}`); null for anything else. */
export function openAIError(body: string): OpenAIError | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (!error || typeof error !== "object") return null;
  const { code, type, message } = error as { code?: unknown; type?: unknown; message?: unknown };
  return {
    code: typeof code === "string" ? code : null,
    type: typeof type === "string" ? type : null,
    message: typeof message === "string" ? message : "",
  };
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function refusal(error: OpenAIError): AttemptVerdict {
  if ((error.code && KEY_CODES.has(error.code)) || INCORRECT_KEY_MESSAGE.test(error.message)) return { kind: "invalid" };
  if (error.code && MODEL_CODES.has(error.code)) return { kind: "request", lacks: "model" };
  if ((error.code && SCOPE_CODES.has(error.code)) || SCOPE_MESSAGE.test(error.message)) return { kind: "request", lacks: "scope" };
  if ((error.code && REQUEST_CODES.has(error.code)) || (error.type && REQUEST_TYPES.has(error.type))) return { kind: "request", lacks: null };
  return { kind: "confirm" };
}

/**
 * What an upstream answer means for the key and for the request: from what the error says, not
 * only its status. Only an OpenAI error can condemn a key; a page from something in between is
 * upstream trouble.
 */
export function classify(status: number, retryAfter: string | null, body: string, now: number, defaultCooldownMs: number): AttemptVerdict {
  if (status < 400) return { kind: "deliver" };
  if (status >= 500) return { kind: "transient" };
  const error = openAIError(body);
  if (status === 401 || status === 403) return error ? refusal(error) : { kind: "transient" };
  if (status === 429) {
    if (!error) return { kind: "transient" };
    if (error.code === "insufficient_quota" || error.type === "insufficient_quota") return { kind: "exhausted" };
    return { kind: "cooling", untilMs: now + (retryAfterMs(retryAfter, now) ?? defaultCooldownMs) };
  }
  if (status === 404 && error?.code === "model_not_found") return { kind: "request", lacks: "model" };
  return { kind: "deliver" };
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** OpenAI's reset durations ("1s", "6m0s", "20ms", "1h2m3.5s") in milliseconds; null when unreadable. */
export function resetDurationMs(value: string | null): number | null {
  if (!value) return null;
  let total = 0;
  let matched = "";
  for (const [part, amount, unit] of value.matchAll(DURATION_PART)) {
    total += Number(amount) * (UNIT_MS[unit as string] ?? 0);
    matched += part;
  }
  return matched === value.trim() && matched !== "" ? total : null;
}

type Limit = { remaining: string | null; reset: string | null };

/**
 * When a key's last answer says it has no requests or tokens left in the current window: the
 * time it may be used again (the later reset of the spent limits). Null while it has some left or
 * when the headers cannot be read.
 */
export function restUntil(limits: readonly Limit[], now: number): number | null {
  let until: number | null = null;
  for (const { remaining, reset } of limits) {
    if (remaining === null || Number(remaining) !== 0) continue;
    const ms = resetDurationMs(reset);
    if (ms !== null) until = Math.max(until ?? 0, now + ms);
  }
  return until;
}
