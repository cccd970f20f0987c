import { isUnpriced } from "../usage/batch-totals";
import type { LogEntry } from "../usage/request-log";

/**
 * The per-request series of /metrics, counted in plain numbers and written out in Prometheus'
 * text format at scrape time. prom-client validated and hashed the labels of every increment,
 * eight times per request; here a request costs one Map lookup and a few additions.
 */

/** Seconds; LLM answers take from a fraction of a second to minutes. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const TOKEN_KINDS = ["prompt", "completion", "cached", "reasoning"] as const;

class Histogram {
  /** Observations per bucket, not cumulative (summed when written). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const bucket = this.bounds.findIndex((bound) => value <= bound);
    if (bucket !== -1) this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
  }
}

/** Everything counted for one model label. */
class ModelFigures {
  readonly requests = new Map<string, number>();
  readonly duration = new Histogram(DURATION_BUCKETS);
  readonly firstToken = new Histogram(FIRST_TOKEN_BUCKETS);
  readonly tokens = { prompt: 0, completion: 0, cached: 0, reasoning: 0 };
  costUsd = 0;
  unpriced = 0;
}

export type RequestFigures = {
  models: Map<string, ModelFigures>;
  /** Per key id, per attempt outcome. */
  attempts: Map<number, Map<string, number>>;
};

export const createFigures = (): RequestFigures => ({ models: new Map(), attempts: new Map() });

const add = <K>(counts: Map<K, number>, key: K, by = 1) => counts.set(key, (counts.get(key) ?? 0) + by);

/** The request's class for keypool_requests_total: an answer that did not arrive whole is no success. */
function statusClass(entry: LogEntry, clientLeft: boolean): string {
  if (entry.status < 400 && entry.error !== null) return clientLeft ? "4xx" : "5xx";
  return `${Math.floor(entry.status / 100)}xx`;
}

/** Counts one finished request under its model's label. */
export function countRequest(figures: RequestFigures, model: string, entry: LogEntry, clientLeft: boolean): void {
  let counted = figures.models.get(model);
  if (!counted) {
    counted = new ModelFigures();
    figures.models.set(model, counted);
  }
  add(counted.requests, statusClass(entry, clientLeft));
  counted.duration.observe(entry.latencyMs / 1000);
  if (entry.stream && entry.ttfbMs !== null) counted.firstToken.observe(entry.ttfbMs / 1000);
  counted.tokens.prompt += entry.promptTokens ?? 0;
  counted.tokens.completion += entry.completionTokens ?? 0;
  counted.tokens.cached += entry.cachedTokens ?? 0;
  counted.tokens.reasoning += entry.reasoningTokens ?? 0;
  if (entry.costUsd !== null) counted.costUsd += entry.costUsd;
  else if (isUnpriced(entry)) counted.unpriced += 1;
  for (const attempt of entry.attempts) {
    let outcomes = figures.attempts.get(attempt.keyId);
    if (!outcomes) {
      outcomes = new Map();
      figures.attempts.set(attempt.keyId, outcomes);
    }
    add(outcomes, attempt.outcome);
  }
}

// ---------------------------------------------------------------------------------------------
// The text format (https://prometheus.io/docs/instrumenting/exposition_formats/).

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function labelsText(labels: Record<string, string | number>): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(String(value))}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

type Family = { name: string; help: string; type: "counter" | "histogram"; samples: string[] };

const family = (name: string, help: string, type: Family["type"]): Family => ({ name, help, type, samples: [] });
const sample = (to: Family, labels: Record<string, string | number>, value: number, suffix = "") => to.samples.push(`${to.name}${suffix}${labelsText(labels)} ${value}`);

function histogramSamples(to: Family, model: string, histogram: Histogram): void {
  let cumulative = 0;
  histogram.bounds.forEach((bound, index) => {
    cumulative += histogram.counts[index] ?? 0;
    sample(to, { le: bound, model }, cumulative, "_bucket");
  });
  sample(to, { le: "+Inf", model }, histogram.count, "_bucket");
  sample(to, { model }, histogram.sum, "_sum");
  sample(to, { model }, histogram.count, "_count");
}

/** The figures as Prometheus text: a HELP and TYPE line per family, then its samples. */
export function figuresText(figures: RequestFigures): string {
  const requests = family(
    "keypool_requests_total",
    "Client requests on /v1 (and the playground) by the class of their status; an answer that ended with an error after a 2xx counts as 5xx, or 4xx when the client left",
    "counter",
  );
  const attempts = family("keypool_upstream_attempts_total", "Upstream attempts by key and what the attempt's answer meant", "counter");
  const duration = family("keypool_request_duration_seconds", "From a request's arrival to its recorded end (a stream's last byte)", "histogram");
  const firstToken = family("keypool_time_to_first_token_seconds", "Streamed answers: from the request's arrival to the first byte of the answer's body", "histogram");
  const tokens = family("keypool_tokens_total", "Tokens the upstream reported (cached is part of prompt, reasoning part of completion)", "counter");
  const cost = family("keypool_cost_usd_total", "What the requests cost in USD, as priced when recorded", "counter");
  const unpriced = family("keypool_unpriced_requests_total", "Requests that used tokens of a model without a price (not in keypool_cost_usd_total)", "counter");

  for (const [model, counted] of figures.models) {
    for (const [status, count] of counted.requests) sample(requests, { status_class: status, model }, count);
    histogramSamples(duration, model, counted.duration);
    if (counted.firstToken.count > 0) histogramSamples(firstToken, model, counted.firstToken);
    for (const kind of TOKEN_KINDS) if (counted.tokens[kind] > 0) sample(tokens, { kind, model }, counted.tokens[kind]);
    if (counted.costUsd > 0) sample(cost, { model }, counted.costUsd);
    if (counted.unpriced > 0) sample(unpriced, { model }, counted.unpriced);
  }
  for (const [keyId, outcomes] of figures.attempts) {
    for (const [outcome, count] of outcomes) sample(attempts, { key_id: keyId, outcome }, count);
  }
  return [requests, attempts, duration, firstToken, tokens, cost, unpriced]
    .map(({ name, help, type, samples }) => [`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`, ...samples].join("\n"))
    .join("\n\n");
}
