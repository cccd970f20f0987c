import { env } from "../env";
import { ApiError, internalError, shuttingDown } from "../http/errors";
import { logError } from "../log";
import { canServe, learnRefusal, needOf, refusalForAll, refusalSubject, type Need } from "../keys/capabilities";
import { capRest, nextCapEnd, noteKeyRequest } from "../keys/caps";
import { currentKeys, markKey, nextCoolingEnd } from "../keys/pool";
import type { PoolKey } from "../keys/status";
import { pickKey } from "../rotation/rotator";
import { admitTokenRequest } from "../tokens/limits";
import { chosenRoute, pinnedRefusal, stickyKey, stickyRoute } from "../sticky/route";
import { nowMs } from "../clock";
import { classify, openAIError, restUntil, type AttemptVerdict } from "./classify";
import { admit, breakerClosed, recordAnswer, recordFailure, releaseProbe, type Admission } from "./breaker";
import { confirmRefusal } from "./confirm";
import { deliver, servedHeaders } from "./deliver";
import { Exchange, loggable, type ProxyRequest } from "./exchange";
import { headerValue, upstreamRequestHeaders } from "./headers";
import { replyError, type Reply } from "./reply";
import { prepareBody } from "./request-body";
import { scrubKeys, upstreamMessage } from "./scrub";
import { StopReason } from "./stop-reason";
import { callUpstream, isHeadersTimeout, upstreamErrorCode, type UpstreamAnswer } from "./upstream";
import { observeRateLimits } from "../metrics/registry";
import type { AttemptOutcome } from "../usage/request-log";

export type { ProxyRequest } from "./exchange";

const MAX_ATTEMPTS = 10;
/** The same request-level refusal (scope, region, model access) from this many keys is the request's answer. */
const REFUSALS_BEFORE_ANSWER = 3;
/** Error answers are read whole to classify them; none is legitimately this large. */
const ERROR_BODY_LIMIT = 1024 * 1024;

/** An upstream error answer (a refusal, an OpenAI 5xx), kept to be handed to the client as the upstream sent it. */
type Answered = { key: PoolKey; answer: UpstreamAnswer; text: string; message: string };
/** Why an attempt failed, and the answer to pass on if no key serves (none when there was nothing worth passing on). */
type Failure = { status: number; message: string; answered: Answered | null };

/** An error answer's verdict as the attempt's outcome ("confirm" is settled before it is recorded). */
const OUTCOME_OF: Record<AttemptVerdict["kind"], AttemptOutcome> = {
  deliver: "client_error",
  invalid: "invalid",
  exhausted: "exhausted",
  cooling: "cooling",
  request: "refused",
  confirm: "refused",
  transient: "transient",
};

/**
 * pick key → forward → classify → retry → record, answering into `reply`. Resolves once the
 * answer is complete and recorded; never rejects.
 */
export async function proxy(request: ProxyRequest, reply: Reply): Promise<void> {
  const prepared = prepareBody(request.path, headerValue(request.headers, "content-type"), request.body);
  const exchange = new Exchange(request, prepared);
  // The client token's own limits come before any key is asked.
  const limited = request.tokenId === null ? null : admitTokenRequest(request.tokenId, prepared.model);
  if (limited) return refuse(exchange, limited, reply);
  exchange.admitted = request.tokenId !== null;
  reply.once("close", () => {
    if (!reply.writableFinished) exchange.stop(new StopReason("client_closed", "client closed the request"));
  });
  try {
    await forward(exchange, reply);
  } catch (error) {
    // Every request leaves its row, even one that failed inside KeyPool.
    logError("proxying failed", error, { requestId: request.requestId });
    exchange.finish({ status: 500, error: scrubKeys(`KeyPool error: ${error instanceof Error ? error.message : String(error)}`) });
    if (reply.headersSent) reply.destroy();
    else replyError(reply, internalError(), request.replyHeaders);
  }
}

// Not async, like send(): every promise on this path also pays for the async-local stores of
// Next.js (Node 20 tracks them with promise hooks), so the path makes no more than it needs.
function forward(exchange: Exchange, reply: Reply): Promise<void> | void {
  const need = needOf(exchange.request.path, exchange.prepared.model);
  // A model no key has, or an endpoint every key was refused: OpenAI's answer at once, no upstream call.
  const refusal = refusalForAll(currentKeys(), need);
  if (refusal) return refuse(exchange, refusal, reply);
  const admission = admit();
  if (admission.kind === "refuse") return refuseDuringOutage(exchange, admission, reply);
  if (admission.kind !== "probe") return tryKeys(exchange, need, reply, false);
  // A probe that ended without an answer either way (the client left, no key) decided nothing.
  return tryKeys(exchange, need, reply, true).finally(releaseProbe);
}

/** Tries keys in turn until one answers, within the retry bounds. */
async function tryKeys(exchange: Exchange, need: Need, reply: Reply, probing: boolean): Promise<void> {
  const { MAX_RETRIES, COOLDOWN_SECONDS } = env();
  const clientHeaders = upstreamRequestHeaders(exchange.request.headers);
  const tried = new Set<number>();
  let transientFailures = 0;
  let lastFailure: Failure | null = null;
  let refusals = 0;
  let lastRefusal: Answered | null = null;
  // Skipped, not blamed: a key lacking the model or scope, or resting at one of its caps.
  const accepts = (key: PoolKey) => canServe(key, need) && capRest(key) === null;
  // An object lives in the project of the key that created it (lib/sticky).
  const { keyId } = exchange.request;
  const route = keyId === undefined ? stickyRoute(exchange.request.path, exchange.prepared.json, exchange.prepared.logText) : chosenRoute(keyId);
  if (route.kind === "refuse") return refuse(exchange, route.error, reply);

  while (exchange.attempts.length < MAX_ATTEMPTS) {
    if (exchange.stopped) return stopped(exchange, reply, exchange.attempts.at(-1)?.keyId ?? null);
    const sticky = stickyKey(route, tried, accepts);
    const key = sticky === undefined ? pickKey(tried, accepts) : sticky;
    if (!key) break;
    tried.add(key.id);
    noteKeyRequest(key.id);
    const attempt = exchange.attempt(key.id);
    const sent = sentOf(exchange, key, await send(exchange, key, clientHeaders));
    if (sent.kind === "stopped") return stopped(exchange, reply, key.id);
    if (sent.kind === "failed") {
      attempt.failed = true;
      attempt.outcome = sent.outcome;
      lastFailure = sent.failure;
    } else {
      const { answer } = sent;
      exchange.upstreamRequestId = answer.headers.get("x-request-id");
      if (answer.status < 400) {
        attempt.outcome = "success";
        recordAnswer();
        restIfSpent(key, answer);
        return deliver(exchange, key, answer, reply);
      }
      attempt.failed = true;
      const text = scrubKeys((await readBounded(answer)).toString("utf8"), key.apiKey);
      if (exchange.stopped) return stopped(exchange, reply, key.id);
      const first = classify(answer.status, answer.headers.get("retry-after"), text, nowMs(), COOLDOWN_SECONDS * 1000);
      const verdict = first.kind === "confirm" ? await confirmRefusal(key) : first;
      if (exchange.stopped) return stopped(exchange, reply, key.id);
      attempt.outcome = OUTCOME_OF[verdict.kind];
      if (verdict.kind !== "transient") recordAnswer();
      const message = upstreamMessage(answer.status, text);
      if (verdict.kind === "deliver") return deliverError(exchange, { key, answer, text, message }, reply);
      if (verdict.kind === "request") {
        // Another key (another project) may be allowed; the same refusal from several is the answer.
        lastRefusal = { key, answer, text, message };
        const subject = refusalSubject(verdict.lacks, need);
        if (subject) learnRefusal(key, subject, answer.status, message);
        refusals += 1;
        if (refusals >= REFUSALS_BEFORE_ANSWER) return deliverError(exchange, lastRefusal, reply);
        continue;
      }
      if (verdict.kind === "invalid") markKey(key.id, "invalid", null, message);
      if (verdict.kind === "exhausted") markKey(key.id, "exhausted", null, message);
      if (verdict.kind === "cooling") markKey(key.id, "cooling", new Date(verdict.untilMs), message);
      if (verdict.kind !== "transient") {
        // A key tried on purpose answers for itself: its own refusal is what the admin came to see.
        if (route.kind === "chosen") return deliverError(exchange, { key, answer, text, message }, reply);
        continue;
      }
      lastFailure = failureOf({ key, answer, text, message });
    }
    recordFailure(key.id, lastFailure.message);
    transientFailures += 1;
    // A probe decides alone; once the breaker is open, other keys would only fail alike.
    if (transientFailures > MAX_RETRIES || probing || !breakerClosed()) break;
  }
  if (lastRefusal) return deliverError(exchange, lastRefusal, reply);
  // The pinned key was taken out of rotation by its answer: say so rather than "no usable key".
  if (route.kind === "pinned" && !lastFailure) return refuse(exchange, pinnedRefusal(route).error, reply);
  giveUp(exchange, lastFailure, need, reply);
}

/** A key whose answer says its requests or tokens are spent rests until they reset, instead of earning a 429 first. */
function restIfSpent(key: PoolKey, answer: UpstreamAnswer): void {
  const requests = answer.headers.get("x-ratelimit-remaining-requests");
  const tokens = answer.headers.get("x-ratelimit-remaining-tokens");
  observeRateLimits(key.id, requests, tokens);
  if (requests !== "0" && tokens !== "0") return;
  const limits = [
    { remaining: requests, reset: answer.headers.get("x-ratelimit-reset-requests") },
    { remaining: tokens, reset: answer.headers.get("x-ratelimit-reset-tokens") },
  ];
  const until = restUntil(limits, nowMs());
  if (until !== null) markKey(key.id, "cooling", new Date(until), "rate limit spent (x-ratelimit-remaining-* is 0); resting until it resets");
}

/**
 * A transient failure to report if no key succeeds. An answer that is no OpenAI error (a
 * gateway's page) is not passed on as if OpenAI had said it: the client gets a 502 naming it.
 */
function failureOf(answered: Answered): Failure {
  const { answer, text } = answered;
  if (openAIError(text)) return { status: answer.status, message: answered.message, answered };
  const type = (answer.headers.get("content-type") ?? "no content type").split(";")[0];
  return {
    status: answer.status >= 500 ? answer.status : 502,
    answered: null,
    message: scrubKeys(`upstream answered ${answer.status} with ${type} instead of an OpenAI error (a gateway, firewall or proxy between KeyPool and OPENAI_BASE_URL?)`),
  };
}

type Sent = { kind: "answer"; answer: UpstreamAnswer } | { kind: "failed"; failure: Failure; outcome: "timeout" | "connection" } | { kind: "stopped" };

function send(exchange: Exchange, key: PoolKey, clientHeaders: string[]): Promise<UpstreamAnswer | Error> {
  const { request, prepared } = exchange;
  return callUpstream(
    { method: request.method, path: `${request.path}${request.search}`, headers: [...clientHeaders, "authorization", `Bearer ${key.apiKey}`], body: prepared.upstream },
    exchange,
  );
}

/** The attempt's answer, or why there was none. */
function sentOf(exchange: Exchange, key: PoolKey, result: UpstreamAnswer | Error): Sent {
  if (!(result instanceof Error)) return { kind: "answer", answer: result };
  if (exchange.stopped) return { kind: "stopped" };
  const timedOut = isHeadersTimeout(result);
  const cause = upstreamErrorCode(result) ?? result.message;
  const message = timedOut ? `upstream did not answer within ${env().UPSTREAM_TIMEOUT_MS} ms (UPSTREAM_TIMEOUT_MS)` : `upstream connection failed: ${cause}`;
  return { kind: "failed", failure: { status: timedOut ? 504 : 502, message: scrubKeys(message, key.apiKey), answered: null }, outcome: timedOut ? "timeout" : "connection" };
}

/** An error answer's body, whole up to ERROR_BODY_LIMIT (the rest is not read); a body cut short is what arrived. */
function readBounded(answer: UpstreamAnswer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve) => {
    const done = () => resolve(Buffer.concat(chunks, Math.min(size, ERROR_BODY_LIMIT)));
    answer.body.listen({
      data: (chunk) => {
        if (size > ERROR_BODY_LIMIT) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size <= ERROR_BODY_LIMIT) return;
        answer.body.destroy(new Error("error answer too large"));
        done();
      },
      end: done,
      error: done,
    });
  });
}

function deliverError(exchange: Exchange, { key, answer, text, message }: Answered, reply: Reply): void {
  exchange.finish({ keyId: key.id, status: answer.status, error: message, responseBody: loggable(text) });
  // Its own length, as OpenAI sends one: the upstream's no longer holds once key material is scrubbed out.
  const headers = servedHeaders(exchange, key, answer.headers, false);
  headers.push("content-length", String(Buffer.byteLength(text)));
  reply.writeHead(answer.status, headers);
  reply.end(text);
}

/** KeyPool answers for the upstream (a model no key has, an object whose key cannot serve it): no upstream call. */
function refuse(exchange: Exchange, error: ApiError, reply: Reply, keyId: number | null = null): void {
  exchange.finish({ keyId, status: error.status, error: error.message });
  replyError(reply, error, exchange.request.replyHeaders);
}

/** The breaker is open: a fast answer instead of waiting through every retry and timeout. */
function refuseDuringOutage(exchange: Exchange, admission: Extract<Admission, { kind: "refuse" }>, reply: Reply): void {
  const message = `The upstream at OPENAI_BASE_URL is not answering (${admission.reason}); KeyPool is holding requests back and tries it again in ${admission.retryAfterS} s.`;
  refuse(exchange, new ApiError(503, "server_error", "upstream_unavailable", message, null, admission.retryAfterS), reply);
}

/** The exchange was stopped before an answer reached the client. */
function stopped(exchange: Exchange, reply: Reply, keyId: number | null): void {
  const reason = exchange.stopped;
  if (reason?.code === "shutting_down") {
    const error = shuttingDown();
    exchange.finish({ keyId, status: 503, error: error.message });
    if (!reply.headersSent && !reply.destroyed) replyError(reply, error, exchange.request.replyHeaders);
    return;
  }
  exchange.finish({ keyId, status: 499, error: "client closed the request" });
}

function giveUp(exchange: Exchange, failure: Failure | null, need: Need, reply: Reply): void {
  if (failure?.answered) return deliverError(exchange, failure.answered, reply);
  const keyId = exchange.attempts.at(-1)?.keyId ?? null;
  if (failure) {
    const message = `${failure.message}. KeyPool tried ${exchange.attempts.length} time(s); check OPENAI_BASE_URL and the network.`;
    return refuse(exchange, new ApiError(failure.status, "server_error", failure.status === 504 ? "upstream_timeout" : "upstream_unreachable", message), reply, keyId);
  }
  // With no key to try, the client may come back when the first resting or cooling key does.
  const waits = [nextCoolingEnd(Date.now()), nextCapEnd(currentKeys())].filter((wait): wait is number => wait !== null);
  const message =
    need.model === null
      ? "No usable upstream key: every key is disabled, invalid, exhausted, cooling down or resting at its cap. Add or re-enable a key in the KeyPool dashboard."
      : `No usable upstream key for \`${need.model}\`: every key whose project has it is disabled, invalid, exhausted, cooling down or resting at its cap. Add or re-enable such a key in the KeyPool dashboard.`;
  refuse(exchange, new ApiError(503, "server_error", "no_available_key", message, null, waits.length === 0 ? null : Math.min(...waits)), reply, keyId);
}
