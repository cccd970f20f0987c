import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { currentKeys } from "../keys/pool";
import { KEY_STATUSES } from "../keys/status";
import { breakerStatus } from "../proxy/breaker";
import { singleton } from "../singleton";
import type { LogEntry } from "../usage/request-log";
import { countRequest, createFigures, figuresText } from "./figures";
import { modelLabel } from "./known-models";

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
    figures: createFigures(),
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

/** Counts one finished request (called once, from Exchange.finish). */
export function observeRequest(entry: LogEntry, clientLeft: boolean): void {
  countRequest(metrics.figures, modelLabel(entry.model), entry, clientLeft);
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

export async function metricsText(): Promise<string> {
  return `${await metrics.registry.metrics()}\n${figuresText(metrics.figures)}\n`;
}
