import { z } from "zod";
import { nowMs } from "../clock";
import { ApiError } from "../http/errors";
import { singleton } from "../singleton";

/** What a client token may do; null (or an empty model list) = no limit. */
export type TokenLimits = {
  rpm: number | null;
  tpm: number | null;
  models: string[];
  expiresAt: Date | null;
  monthlyBudgetUsd: number | null;
  maxConcurrent: number | null;
};

/** The limit fields of POST and PATCH /api/tokens; `null` removes a limit. */
export const tokenLimitsSchema = z.object({
  rpm: z.number().int().positive().max(1_000_000).nullable().optional(),
  tpm: z.number().int().positive().max(1_000_000_000).nullable().optional(),
  models: z.array(z.string().trim().min(1).max(200)).max(500).optional(),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  monthlyBudgetUsd: z.number().positive().max(10_000_000).nullable().optional(),
  maxConcurrent: z.number().int().positive().max(10_000).nullable().optional(),
});

const MINUTE_MS = 60_000;

type Usage = { name: string; limits: TokenLimits; requests: number[]; tokens: { at: number; count: number }[]; inFlight: number; month: string; monthCostUsd: number };

const state = singleton("tokenLimits", () => new Map<number, Usage>());

/** "2026-11": budgets run per UTC calendar month. */
const monthOf = (at: number) => new Date(at).toISOString().slice(0, 7);

/** Sets (or replaces) a token's limits; they apply to its next request. `monthCostUsd` is what it already spent this month. */
export function setTokenLimits(id: number, name: string, limits: TokenLimits, monthCostUsd?: number): void {
  const usage = state.get(id);
  if (usage) {
    usage.name = name;
    usage.limits = limits;
    if (monthCostUsd !== undefined) usage.monthCostUsd = monthCostUsd;
    return;
  }
  state.set(id, { name, limits, requests: [], tokens: [], inFlight: 0, month: monthOf(Date.now()), monthCostUsd: monthCostUsd ?? 0 });
}

export function forgetToken(id: number): void {
  state.delete(id);
}

function within(usage: Usage, now: number): void {
  while (usage.requests.length > 0 && (usage.requests[0] as number) <= now - MINUTE_MS) usage.requests.shift();
  while (usage.tokens.length > 0 && (usage.tokens[0] as { at: number }).at <= now - MINUTE_MS) usage.tokens.shift();
  const month = monthOf(now);
  if (month !== usage.month) {
    usage.month = month;
    usage.monthCostUsd = 0;
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function rateLimited(kind: "requests" | "tokens", message: string, retryAfterS: number): ApiError {
  return new ApiError(429, kind, "rate_limit_exceeded", message, null, retryAfterS);
}

/**
 * Whether the token may send this request now: an OpenAI-shaped error naming the limit when not.
 * Admitted, the request counts toward its rates and concurrency until `settleTokenRequest`.
 */
export function admitTokenRequest(id: number, model: string | null, now = nowMs()): ApiError | null {
  const usage = state.get(id);
  if (!usage) return null;
  within(usage, now);
  const { limits, name } = usage;
  if (limits.expiresAt && limits.expiresAt.getTime() <= now) {
    return new ApiError(401, "invalid_request_error", "token_expired", `The KeyPool token "${name}" expired at ${limits.expiresAt.toISOString()}. Ask the admin to extend it or for a new one.`);
  }
  if (limits.models.length > 0 && model !== null && !limits.models.includes(model)) {
    return new ApiError(403, "invalid_request_error", "model_not_allowed", `The model \`${model}\` is not allowed for the KeyPool token "${name}" (allowed: ${limits.models.join(", ")}).`, "model");
  }
  if (limits.monthlyBudgetUsd !== null && usage.monthCostUsd >= limits.monthlyBudgetUsd) {
    return new ApiError(
      429,
      "insufficient_quota",
      "insufficient_quota",
      `The KeyPool token "${name}" used its monthly budget: $${usage.monthCostUsd.toFixed(4)} of $${limits.monthlyBudgetUsd.toFixed(2)} in ${usage.month} (UTC). It resets at the start of next month, or the admin can raise monthlyBudgetUsd.`,
    );
  }
  if (limits.maxConcurrent !== null && usage.inFlight >= limits.maxConcurrent) {
    return rateLimited("requests", `The KeyPool token "${name}" has ${usage.inFlight} requests under way, its limit of concurrent requests (maxConcurrent: ${limits.maxConcurrent}). Wait for one to finish.`, 1);
  }
  if (limits.rpm !== null && usage.requests.length >= limits.rpm) {
    const wait = seconds((usage.requests[0] as number) + MINUTE_MS - now);
    return rateLimited("requests", `Rate limit reached for the KeyPool token "${name}" on requests per min (RPM): Limit ${limits.rpm}, Used ${usage.requests.length}. Please try again in ${wait}s.`, wait);
  }
  const used = usage.tokens.reduce((sum, entry) => sum + entry.count, 0);
  if (limits.tpm !== null && used >= limits.tpm) {
    const wait = seconds((usage.tokens[0]?.at ?? now) + MINUTE_MS - now);
    return rateLimited("tokens", `Rate limit reached for the KeyPool token "${name}" on tokens per min (TPM): Limit ${limits.tpm}, Used ${used}. Please try again in ${wait}s.`, wait);
  }
  usage.inFlight += 1;
  usage.requests.push(now);
  return null;
}

/** An admitted request ended: it no longer counts as under way; its tokens and cost count toward the limits. */
export function settleTokenRequest(id: number, tokens: number, costUsd: number | null, now = nowMs()): void {
  const usage = state.get(id);
  if (!usage) return;
  usage.inFlight = Math.max(0, usage.inFlight - 1);
  within(usage, now);
  if (tokens > 0) usage.tokens.push({ at: now, count: tokens });
  usage.monthCostUsd += costUsd ?? 0;
}
