import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { currentKeys } from "../keys/pool";
import { KEY_STATUSES } from "../keys/status";
import { breakerStatus } from "../proxy/breaker";
import { singleton } from "../singleton";
import { isUnpriced } from "../usage/batch-totals";
import type { LogEntry } from "../usage/request-log";
import { modelLabel } from "./known-models";

/** Seconds; LLM answers take from a fraction of a second to minutes. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

type RateLimits = { requests: number | null; tokens: number | null };

function createMetrics() {
  // KeyPool's own registry: nothing a dependency registers globally ends up in /metrics.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "keypool_" });
  const registers = [registry];
  const rateLimits = new Map<number, RateLimits>();

  const ratelimitRemaining = new Gauge({
    name: "keypool_key_ratelimit_remaining",
    help: "Requests or tokens the upstream said a key had left (x-ratelimit-remaining-*), as of its last successful answer",
    labelNames: ["key_id", "kind"] as const,
    registers,
    collect() {
      this.reset();
      // Keys since removed from the pool leave the figures.
      for (const key of currentKeys()) {
        const seen = rateLimits.get(key.id);
        if (seen?.requests != null) this.set({ key_id: key.id, kind: "requests" }, seen.requests);
        if (seen?.tokens != null) this.set({ key_id: key.id, kind: "tokens" }, seen.tokens);
      }
    },
  });

  return {
    registry,
    rateLimits,
    ratelimitRemaining,
    requests: new Counter({
      name: "keypool_requests_total",
      help: "Client requests on /v1 (and the playground) by the class of their status; an answer that ended with an error after a 2xx counts as 5xx, or 4xx when the client left",
      labelNames: ["status_class", "model"] as const,
      registers,
    }),
    attempts: new Counter({
      name: "keypool_upstream_attempts_total",
      help: "Upstream attempts by key and what the attempt's answer meant",
      labelNames: ["key_id", "outcome"] as const,
      registers,
    }),
    duration: new Histogram({
      name: "keypool_request_duration_seconds",
      help: "From a request's arrival to its recorded end (a stream's last byte)",
      labelNames: ["model"] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    firstToken: new Histogram({
      name: "keypool_time_to_first_token_seconds",
      help: "Streamed answers: from the request's arrival to the first byte of the answer's body",
      labelNames: ["model"] as const,
      buckets: FIRST_TOKEN_BUCKETS,
      registers,
    }),
    tokens: new Counter({
      name: "keypool_tokens_total",
      help: "Tokens the upstream reported (cached is part of prompt, reasoning part of completion)",
      labelNames: ["kind", "model"] as const,
      registers,
    }),
    cost: new Counter({ name: "keypool_cost_usd_total", help: "What the requests cost in USD, as priced when recorded", labelNames: ["model"] as const, registers }),
    unpriced: new Counter({
      name: "keypool_unpriced_requests_total",
      help: "Requests that used tokens of a model without a price (not in keypool_cost_usd_total)",
      labelNames: ["model"] as const,
      registers,
    }),
    keys: new Gauge({
      name: "keypool_keys",
      help: "Upstream keys in the pool by status",
      labelNames: ["status"] as const,
      registers,
      collect() {
        const counts = new Map<string, number>(KEY_STATUSES.map((status) => [status, 0]));
        for (const key of currentKeys()) counts.set(key.status, (counts.get(key.status) ?? 0) + 1);
        for (const [status, count] of counts) this.set({ status }, count);
      },
    }),
    breaker: new Gauge({
      name: "keypool_upstream_breaker_open",
      help: "1 while the circuit breaker holds requests back (open or half-open: one probe at a time), 0 when closed",
      registers,
      collect() {
        this.set(breakerStatus().breaker === "closed" ? 0 : 1);
      },
    }),
  };
}

const metrics = singleton("metrics", createMetrics);

/** The request's class for keypool_requests_total: an answer that did not arrive whole is no success. */
function statusClass(entry: LogEntry, clientLeft: boolean): string {
  if (entry.status < 400 && entry.error !== null) return clientLeft ? "4xx" : "5xx";
  return `${Math.floor(entry.status / 100)}xx`;
}

function addTokens(kind: string, model: string, count: number | null): void {
  if (count) metrics.tokens.inc({ kind, model }, count);
}

/** Counts one finished request (called once, from Exchange.finish): a few label lookups, nothing more. */
export function observeRequest(entry: LogEntry, clientLeft: boolean): void {
  const model = modelLabel(entry.model);
  metrics.requests.inc({ status_class: statusClass(entry, clientLeft), model });
  metrics.duration.observe({ model }, entry.latencyMs / 1000);
  if (entry.stream && entry.ttfbMs !== null) metrics.firstToken.observe({ model }, entry.ttfbMs / 1000);
  for (const attempt of entry.attempts) metrics.attempts.inc({ key_id: attempt.keyId, outcome: attempt.outcome });
  addTokens("prompt", model, entry.promptTokens);
  addTokens("completion", model, entry.completionTokens);
  addTokens("cached", model, entry.cachedTokens);
  addTokens("reasoning", model, entry.reasoningTokens);
  if (entry.costUsd !== null) metrics.cost.inc({ model }, entry.costUsd);
  else if (isUnpriced(entry)) metrics.unpriced.inc({ model });
}

const remaining = (header: string | null) => {
  const value = header === null ? Number.NaN : Number(header);
  return Number.isFinite(value) ? value : null;
};

/** What a key's successful answer said it has left; a header that is absent keeps the figure last seen. */
export function observeRateLimits(keyId: number, requests: string | null, tokens: string | null): void {
  if (requests === null && tokens === null) return;
  let seen = metrics.rateLimits.get(keyId);
  if (!seen) {
    seen = { requests: null, tokens: null };
    metrics.rateLimits.set(keyId, seen);
  }
  seen.requests = remaining(requests) ?? seen.requests;
  seen.tokens = remaining(tokens) ?? seen.tokens;
}

export const metricsContentType = (): string => metrics.registry.contentType;

export function metricsText(): Promise<string> {
  return metrics.registry.metrics();
}
