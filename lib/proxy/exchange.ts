import type { IncomingHttpHeaders } from "node:http";
import { nowMs } from "../clock";
import { env } from "../env";
import { costOf } from "../cost/prices";
import { noteKeyCost } from "../keys/caps";
import { logRequest, type LoggedAttempt, type LogEntry } from "../usage/request-log";
import { settleTokenRequest } from "../tokens/limits";
import { observeRequest } from "../metrics/registry";
import type { PreparedBody } from "./request-body";
import { truncate } from "./scrub";
import { track, untrack, type Tracked } from "./inflight";
import type { StopReason } from "./stop-reason";

export type ProxyRequest = {
  method: string;
  /** The path below /v1 as the client sent it, e.g. "chat/completions". */
  path: string;
  /** The query string including "?", or "". */
  search: string;
  headers: IncomingHttpHeaders;
  body: Buffer | null;
  tokenId: number | null;
  source: LogEntry["source"];
  /** KeyPool's id for the request, as in the access log. */
  requestId: string | null;
  /**
   * Headers every answer to the request carries (its id and CORS on /v1), as the flat list
   * [name, value, …], written with the others at once: a setHeader() before writeHead() makes
   * Node copy every later header one by one.
   */
  replyHeaders: readonly string[];
  /** A key the admin chose to try (the playground's "Try"): that key only, no rotation (lib/sticky/route.ts, chosenRoute). */
  keyId?: number;
};

/** What one exchange ended with; everything not given is null. */
export type Outcome = Partial<Pick<LogEntry, "keyId" | "ttfbMs" | "promptTokens" | "completionTokens" | "cachedTokens" | "reasoningTokens" | "error" | "responseBody" | "responseStream">> & {
  status: number;
};

/**
 * One client request from arrival to its log row: the attempts made, the upstream request in
 * flight (aborted when the client leaves or KeyPool stops), and the one place its outcome is recorded.
 */
export class Exchange {
  readonly started = performance.now();
  readonly createdAt = new Date(nowMs());
  readonly attempts: LoggedAttempt[] = [];
  upstreamRequestId: string | null = null;
  /** Counted toward its client token's rates and concurrency until it finishes. */
  admitted = false;
  /** Set while an upstream request is in flight (see upstream.ts). */
  abortUpstream: ((reason: Error) => void) | null = null;
  private stopReason: StopReason | null = null;
  private finished = false;
  private readonly tracked: Tracked;

  constructor(
    readonly request: ProxyRequest,
    readonly prepared: PreparedBody,
  ) {
    this.tracked = track(this);
  }

  /** Why KeyPool stopped the exchange, if it did (a plain field: read several times per request). */
  get stopped(): StopReason | null {
    return this.stopReason;
  }

  stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.abortUpstream?.(reason);
  }

  attempt(keyId: number): LoggedAttempt {
    const attempt: LoggedAttempt = { keyId, failed: false, outcome: "aborted" };
    this.attempts.push(attempt);
    return attempt;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }

  /** Records the outcome; only the first call counts. */
  finish(outcome: Outcome): void {
    if (this.finished) return;
    this.finished = true;
    untrack(this.tracked);
    const { request, prepared } = this;
    const promptTokens = outcome.promptTokens ?? null;
    const completionTokens = outcome.completionTokens ?? null;
    const cachedTokens = outcome.cachedTokens ?? null;
    const costUsd = costOf(prepared.model, { prompt: promptTokens, cached: cachedTokens, completion: completionTokens });
    if (outcome.keyId) noteKeyCost(outcome.keyId, costUsd);
    if (this.admitted && request.tokenId !== null) settleTokenRequest(request.tokenId, (promptTokens ?? 0) + (completionTokens ?? 0), costUsd);
    // Written out field by field: object spreads here were a measurable part of a request's cost.
    const entry: LogEntry = {
      keyId: outcome.keyId ?? null,
      status: outcome.status,
      ttfbMs: outcome.ttfbMs ?? null,
      error: outcome.error ?? null,
      responseBody: outcome.responseBody ?? null,
      responseStream: outcome.responseStream ?? null,
      promptTokens,
      completionTokens,
      cachedTokens,
      reasoningTokens: outcome.reasoningTokens ?? null,
      costUsd,
      tokenId: request.tokenId,
      source: request.source,
      method: request.method,
      endpoint: `/v1/${request.path}`,
      model: prepared.model,
      stream: prepared.stream,
      attempts: this.attempts,
      requestId: request.requestId,
      upstreamRequestId: this.upstreamRequestId,
      latencyMs: this.elapsedMs(),
      requestBody: loggable(prepared.logText),
      createdAt: this.createdAt,
    };
    logRequest(entry);
    observeRequest(entry, this.stopReason?.code === "client_closed");
  }
}

export function loggable(text: string | null): string | null {
  const { LOG_BODIES, LOG_BODY_MAX_BYTES } = env();
  return !LOG_BODIES || text === null ? null : truncate(text, LOG_BODY_MAX_BYTES);
}
