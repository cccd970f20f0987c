import { env } from "../env";
import { ApiError } from "../http/errors";
import { markKey, poolKeys } from "../keys/pool";
import type { PoolKey } from "../keys/status";
import { pickKey } from "../rotation/rotator";
import { classify } from "./classify";
import { clientResponseHeaders, upstreamRequestHeaders } from "./headers";
import { prepareBody } from "./request-body";
import { scrubKeys, upstreamMessage } from "./scrub";
import { deliver } from "./deliver";
import { finishRecord, loggable, openExchange, servedHeaders, type Exchange, type ProxyRequest } from "./exchange";

export type { ProxyRequest } from "./exchange";

const MAX_ATTEMPTS = 10;

type Failure = { status: number; headers: Headers; body: Uint8Array<ArrayBuffer> | null; message: string };

/** pick key → forward → classify → retry → record (SPEC §5), independent of any HTTP framework. */
export async function proxy(request: ProxyRequest): Promise<Response> {
  const prepared = prepareBody(request.path, request.headers.get("content-type"), request.body);
  const exchange = openExchange(request, prepared);
  try {
    return await forward(exchange);
  } catch (error) {
    // Every request leaves its row, even one that failed inside KeyPool.
    const message = scrubKeys(`KeyPool error: ${error instanceof Error ? error.message : String(error)}`);
    finishRecord(exchange, { keyId: null, status: 500, ttfbMs: null, promptTokens: null, completionTokens: null, error: message, responseBody: null });
    throw error;
  }
}

async function forward(exchange: Exchange): Promise<Response> {
  const { request } = exchange;
  const { MAX_RETRIES, COOLDOWN_SECONDS } = env();
  const tried = new Set<number>();
  let transientFailures = 0;
  let lastFailure: Failure | null = null;

  while (exchange.attempts.length < MAX_ATTEMPTS) {
    if (request.signal.aborted) return clientGone(exchange, null);
    const key = await pickKey(tried);
    if (!key) break;
    tried.add(key.id);
    const attempt = await send(exchange, key);
    if (attempt.kind === "aborted") return clientGone(exchange, key.id);
    if (attempt.kind === "response") {
      const { upstream, controller } = attempt;
      exchange.upstreamRequestId = upstream.headers.get("x-request-id");
      if (upstream.status < 400) return deliver(exchange, key, upstream, controller);
      const body = new Uint8Array(await upstream.arrayBuffer().catch(() => new ArrayBuffer(0)));
      const text = new TextDecoder().decode(body);
      const verdict = classify(upstream.status, upstream.headers, text, Date.now(), COOLDOWN_SECONDS * 1000);
      if (verdict.kind === "deliver") return deliverBuffered(exchange, key, upstream, body);
      exchange.attempts.push({ keyId: key.id, failed: true });
      const message = upstreamMessage(upstream.status, text);
      if (verdict.kind === "invalid") markKey(key.id, "invalid", null, message);
      if (verdict.kind === "exhausted") markKey(key.id, "exhausted", null, message);
      if (verdict.kind === "cooling") markKey(key.id, "cooling", new Date(verdict.untilMs), message);
      if (verdict.kind !== "transient") continue;
      lastFailure = { status: upstream.status, headers: upstream.headers, body, message };
    } else {
      exchange.attempts.push({ keyId: key.id, failed: true });
      lastFailure = attempt.failure;
    }
    transientFailures += 1;
    if (transientFailures > MAX_RETRIES) break;
  }
  return giveUp(exchange, lastFailure);
}

type SendResult =
  | { kind: "response"; upstream: Response; controller: AbortController }
  | { kind: "failed"; failure: Failure }
  | { kind: "aborted" };

async function send(exchange: Exchange, key: PoolKey): Promise<SendResult> {
  const { request, prepared } = exchange;
  const controller = new AbortController();
  exchange.upstream = controller;
  const onClientAbort = () => controller.abort(request.signal.reason);
  request.signal.addEventListener("abort", onClientAbort, { once: true });
  const timeout = setTimeout(() => controller.abort(new DOMException("upstream timeout", "TimeoutError")), env().UPSTREAM_TIMEOUT_MS);
  try {
    const upstream = await fetch(`${env().OPENAI_BASE_URL}/${request.path}${request.search}`, {
      method: request.method,
      headers: upstreamRequestHeaders(request.headers, key.apiKey),
      body: prepared.upstream,
      signal: controller.signal,
      redirect: "manual",
    });
    return { kind: "response", upstream, controller };
  } catch (error) {
    if (request.signal.aborted) return { kind: "aborted" };
    const timedOut = controller.signal.reason instanceof DOMException && controller.signal.reason.name === "TimeoutError";
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    const message = timedOut ? `upstream did not answer within ${env().UPSTREAM_TIMEOUT_MS} ms` : `upstream connection failed: ${cause}`;
    return { kind: "failed", failure: { status: timedOut ? 504 : 502, headers: new Headers(), body: null, message: scrubKeys(message) } };
  } finally {
    // The header wait is bounded; a stream may then run as long as the upstream keeps sending.
    clearTimeout(timeout);
    request.signal.removeEventListener("abort", onClientAbort);
  }
}

function deliverBuffered(exchange: Exchange, key: PoolKey, upstream: Response, body: Uint8Array<ArrayBuffer>): Response {
  exchange.attempts.push({ keyId: key.id, failed: true });
  const text = new TextDecoder().decode(body);
  finishRecord(exchange, {
    keyId: key.id,
    status: upstream.status,
    ttfbMs: null,
    promptTokens: null,
    completionTokens: null,
    error: upstreamMessage(upstream.status, text),
    responseBody: loggable(text),
  });
  return new Response(body, { status: upstream.status, headers: servedHeaders(exchange, key, upstream.headers) });
}

function clientGone(exchange: Exchange, keyId: number | null): Response {
  finishRecord(exchange, { keyId, status: 499, ttfbMs: null, promptTokens: null, completionTokens: null, error: "client closed the request", responseBody: null });
  return new Response(null, { status: 499 });
}

async function giveUp(exchange: Exchange, failure: Failure | null): Promise<Response> {
  const outcome = { keyId: exchange.attempts.at(-1)?.keyId ?? null, ttfbMs: null, promptTokens: null, completionTokens: null };
  if (failure?.body) {
    const text = new TextDecoder().decode(failure.body);
    finishRecord(exchange, { ...outcome, status: failure.status, error: failure.message, responseBody: loggable(text) });
    return new Response(failure.body, { status: failure.status, headers: clientResponseHeaders(failure.headers) });
  }
  const error = failure
    ? new ApiError(failure.status, "server_error", failure.status === 504 ? "upstream_timeout" : "upstream_unreachable", `${failure.message}. KeyPool tried ${exchange.attempts.length} time(s); check OPENAI_BASE_URL and the network.`)
    : new ApiError(503, "server_error", "no_available_key", "No usable upstream key: every key is disabled, invalid, exhausted or cooling down. Add or re-enable a key in the KeyPool dashboard.");
  finishRecord(exchange, { ...outcome, status: error.status, error: error.message, responseBody: null });
  const retryAfter = failure ? null : await nextCoolingEnd();
  return Response.json(error.toBody(), { status: error.status, headers: retryAfter === null ? {} : { "retry-after": String(retryAfter) } });
}

/** Seconds until the first cooling key is back, so clients that honour Retry-After wait just enough. */
async function nextCoolingEnd(): Promise<number | null> {
  const now = Date.now();
  const ends = (await poolKeys()).filter((key) => key.status === "cooling" && key.coolingUntil).map((key) => (key.coolingUntil as Date).getTime() - now);
  return ends.length === 0 ? null : Math.max(1, Math.ceil(Math.min(...ends) / 1000));
}
