import { ApiError } from "../http/errors";
import { singleton } from "../singleton";

const WINDOW_MS = 5 * 60_000;
const MAX_FAILURES = 10;

type Failures = Map<string, number[]>;
const failures = singleton<Failures>("loginFailures", () => new Map());

function recent(client: string, now: number): number[] {
  const kept = (failures.get(client) ?? []).filter((at) => now - at < WINDOW_MS);
  if (kept.length > 0) failures.set(client, kept);
  else failures.delete(client);
  return kept;
}

/** Refuses a client that failed MAX_FAILURES logins within the window, so the admin key cannot be guessed. */
export function assertLoginAllowed(client: string, now = Date.now()): void {
  const kept = recent(client, now);
  if (kept.length < MAX_FAILURES) return;
  const retryAfter = Math.ceil((WINDOW_MS - (now - (kept[0] ?? now))) / 1000);
  throw new ApiError(429, "rate_limit_error", "too_many_login_attempts", `Too many wrong admin keys from this address; try again in ${retryAfter} s.`);
}

export function noteLoginFailure(client: string, now = Date.now()): void {
  failures.set(client, [...recent(client, now), now]);
}
