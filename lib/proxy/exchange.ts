import { env } from "../env";
import { maskKey } from "../crypto/mask";
import type { PoolKey } from "../keys/status";
import { record, type AttemptRecord, type RequestRecord } from "../usage/recorder";
import { clientResponseHeaders } from "./headers";
import type { PreparedBody } from "./request-body";
import { truncate } from "./scrub";
import { track, untrack } from "./inflight";

export type ProxyRequest = {
  method: string;
  /** The path below /v1, e.g. "chat/completions". */
  path: string;
  /** The query string including "?", or "". */
  search: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer> | null;
  /** Aborts when the client goes away; the upstream request is aborted with it. */
  signal: AbortSignal;
  tokenId: number | null;
  source: RequestRecord["source"];
  /** KeyPool's id for the request, as in the access log. */
  requestId: string | null;
};

/** The context every outcome of one request is recorded with. */
export type Exchange = {
  request: ProxyRequest;
  prepared: PreparedBody;
  started: number;
  createdAt: Date;
  attempts: AttemptRecord[];
  /** x-request-id of the upstream answer that was used. */
  upstreamRequestId: string | null;
  /** The current upstream request's controller, so a shutdown can end it. */
  upstream: AbortController | null;
  abortUpstream: () => void;
};

export function openExchange(request: ProxyRequest, prepared: PreparedBody): Exchange {
  const exchange: Exchange = {
    request,
    prepared,
    started: performance.now(),
    createdAt: new Date(),
    attempts: [],
    upstreamRequestId: null,
    upstream: null,
    abortUpstream: () => exchange.upstream?.abort(new DOMException("KeyPool is shutting down", "AbortError")),
  };
  track(exchange);
  return exchange;
}

export function finishRecord(
  exchange: Exchange,
  outcome: Pick<RequestRecord, "keyId" | "status" | "ttfbMs" | "promptTokens" | "completionTokens" | "error" | "responseBody">,
): void {
  const { request, prepared } = exchange;
  untrack(exchange);
  record({
    ...outcome,
    tokenId: request.tokenId,
    source: request.source,
    method: request.method,
    endpoint: `/v1/${request.path}`,
    model: prepared.model,
    stream: prepared.stream,
    attempts: exchange.attempts,
    requestId: request.requestId,
    upstreamRequestId: exchange.upstreamRequestId,
    latencyMs: Math.round(performance.now() - exchange.started),
    requestBody: loggable(prepared.logText),
    createdAt: exchange.createdAt,
  });
}

export function loggable(text: string | null): string | null {
  const { LOG_BODIES, LOG_BODY_MAX_BYTES } = env();
  return !LOG_BODIES || text === null ? null : truncate(text, LOG_BODY_MAX_BYTES);
}

export function servedHeaders(exchange: Exchange, key: PoolKey, upstream: Headers): Headers {
  const headers = clientResponseHeaders(upstream);
  // The playground shows which key answered; /v1 clients get the upstream's headers only.
  if (exchange.request.source === "playground") headers.set("x-keypool-key", maskKey(key.last4));
  return headers;
}
