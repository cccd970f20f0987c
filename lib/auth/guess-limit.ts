import { ApiError } from "../http/errors";
import { singleton } from "../singleton";

const WINDOW_MS = 5 * 60_000;
/** Wrong credentials a client may send within the window, by any path (login form, Bearer on /api or /v1). */
const MAX_FAILURES = 10;
/** Clients remembered at once: an attacker cycling addresses cannot grow the table without bound. */
const MAX_CLIENTS = 10_000;

const failures = singleton("credentialFailures", () => new Map<string, number[]>());

function recent(client: string, now: number): number[] {
  const kept = (failures.get(client) ?? []).filter((at) => now - at < WINDOW_MS);
  if (kept.length > 0) failures.set(client, kept);
  else failures.delete(client);
  return kept;
}

/** A 429 for a client that sent MAX_FAILURES wrong credentials within the window; null otherwise. */
function guessingRefusal(client: string, now = Date.now()): ApiError | null {
  const kept = recent(client, now);
  if (kept.length < MAX_FAILURES) return null;
  const retryAfterS = Math.max(1, Math.ceil((WINDOW_MS - (now - (kept[0] ?? now))) / 1000));
  return new ApiError(
    429,
    "rate_limit_error",
    "too_many_failed_attempts",
    `Too many wrong admin keys or tokens from this address; try again in ${retryAfterS} s. (Behind a reverse proxy, set TRUST_PROXY so each client is counted on its own.)`,
    null,
    retryAfterS,
  );
}

function noteFailedGuess(client: string, now = Date.now()): void {
  const kept = recent(client, now);
  if (!failures.has(client) && failures.size >= MAX_CLIENTS) {
    const oldest = failures.keys().next().value;
    if (oldest !== undefined) failures.delete(oldest);
  }
  failures.set(client, [...kept, now]);
}

/**
 * Judges a credential (`isRight`) sent by `client`, on any path. A client over the limit is refused
 * (a thrown 429) before its credential is looked at, so its guesses teach it nothing; a wrong one
 * counts against it; a right one clears its earlier typos.
 */
export function judgeGuess(client: string, isRight: () => boolean): boolean {
  const refusal = guessingRefusal(client);
  if (refusal) throw refusal;
  if (isRight()) {
    failures.delete(client);
    return true;
  }
  noteFailedGuess(client);
  return false;
}
