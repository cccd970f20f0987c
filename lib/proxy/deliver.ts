import { env } from "../env";
import { maskKey } from "../crypto/mask";
import type { PoolKey } from "../keys/status";
import { tokensFromJsonTail } from "../usage/tokens";
import { ApiError } from "../http/errors";
import { ObjectCapture } from "../sticky/capture";
import { BodySample } from "./body-sample";
import { loggable, type Exchange, type Outcome } from "./exchange";
import { clientResponseHeaders, type AnswerHeaders } from "./headers";
import { replyError, type Reply } from "./reply";
import { sseRelay } from "./sse";
import { StreamLogTap } from "./stream-log";
import { isBodyTimeout, type UpstreamAnswer } from "./upstream";
import { joinBuffers } from "./buffers";

/** The upstream headers a client may see, plus (for the playground) the masked key that served. */
export function servedHeaders(exchange: Exchange, key: PoolKey, upstream: AnswerHeaders, bodyUnchanged: boolean): string[] {
  const headers = clientResponseHeaders(upstream, bodyUnchanged, exchange.request.replyHeaders);
  if (exchange.request.source === "playground") headers.push("x-keypool-key", maskKey(key.last4));
  return headers;
}

/**
 * Hands a successful upstream answer to the client as it arrives: SSE through the relay, anything
 * else byte for byte. Resolves once the exchange is recorded. Once bytes have reached the client
 * there is no retry: a failure ends the client's answer.
 */
export function deliver(exchange: Exchange, key: PoolKey, answer: UpstreamAnswer, reply: Reply): Promise<void> {
  const contentType = answer.headers.get("content-type") ?? "";
  const encoding = answer.headers.get("content-encoding");
  if (contentType.startsWith("text/event-stream")) return relaySse(exchange, key, answer, reply);
  if (/\bjson\b/.test(contentType) && (!encoding || encoding === "identity")) return relayJson(exchange, key, answer, reply);
  return relayBytes(exchange, key, answer, reply, contentType);
}

/** Binds what the answer creates to the key that made it (see lib/sticky); null for requests that create nothing. */
function captureOf(exchange: Exchange, key: PoolKey, answer: UpstreamAnswer, streamed: boolean): ObjectCapture | null {
  if (answer.status >= 300) return null;
  const { request, prepared } = exchange;
  return ObjectCapture.for(request.method, request.path, prepared.json, key.id, streamed);
}

type Pumped = { error: unknown; ttfbMs: number | null };

/**
 * Upstream body → client as it arrives, with backpressure (a full client socket pauses the
 * upstream read). `transform` decides what of each read to forward, `flush` what to add at the
 * end. Never rejects.
 */
function pump(exchange: Exchange, answer: UpstreamAnswer, reply: Reply, transform: (chunk: Buffer) => Buffer | null, flush: () => Buffer | null): Promise<Pumped> {
  const { body } = answer;
  return new Promise((resolve) => {
    let ttfbMs: number | null = null;
    const resume = () => body.resume();
    // A read and the upstream's end often arrive in the same tick: corked, they leave in one write.
    let corked = false;
    const uncork = () => {
      corked = false;
      reply.uncork();
    };
    body.listen({
      data: (chunk) => {
        ttfbMs ??= exchange.elapsedMs();
        let out: Buffer | null;
        try {
          out = transform(chunk);
        } catch (error) {
          // Aborting closes the upstream connection: no socket is left open.
          body.destroy(error as Error);
          return;
        }
        // A held read (a small JSON answer goes out whole at the end) needs no cork.
        if (!out) return;
        if (!corked) {
          corked = true;
          reply.cork();
          process.nextTick(uncork);
        }
        if (!reply.write(out)) {
          body.pause();
          reply.once("drain", resume);
        }
      },
      end: () => {
        const rest = flush();
        if (rest) reply.end(rest);
        else reply.end();
        resolve({ error: null, ttfbMs });
      },
      error: (error) => resolve({ error, ttfbMs }),
    });
  });
}

/** Why a relay stopped early, for the log and for the client. */
function streamError(exchange: Exchange, error: unknown): { message: string; code: string } {
  const stopped = exchange.stopped;
  if (stopped?.code === "client_closed") return { message: "client closed the stream", code: "client_closed" };
  if (stopped) return { message: `stream ended early: ${stopped.message}`, code: stopped.code };
  if (isBodyTimeout(error)) {
    return { message: `upstream sent nothing for ${env().UPSTREAM_IDLE_TIMEOUT_MS} ms (UPSTREAM_IDLE_TIMEOUT_MS); the stream was ended`, code: "upstream_idle_timeout" };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return { message: `upstream stream broke off: ${reason}`, code: "upstream_stream_broken" };
}

async function relaySse(exchange: Exchange, key: PoolKey, answer: UpstreamAnswer, reply: Reply): Promise<void> {
  const relay = sseRelay({ stripUsage: exchange.prepared.stripUsage });
  const log = env().LOG_BODIES ? new StreamLogTap() : null;
  const capture = captureOf(exchange, key, answer, true);
  const headers = servedHeaders(exchange, key, answer.headers, false);
  headers.push("cache-control", "no-cache", "x-accel-buffering", "no");
  reply.writeHead(answer.status, headers);
  const { error, ttfbMs } = await pump(
    exchange,
    answer,
    reply,
    (chunk) => {
      log?.add(chunk);
      capture?.add(chunk);
      return relay.push(chunk);
    },
    () => relay.flush(),
  );
  // A stream cut short still created its response upstream.
  capture?.end();
  const summary = relay.summary();
  const outcome: Outcome = {
    keyId: key.id,
    status: answer.status,
    ttfbMs,
    promptTokens: summary.promptTokens,
    completionTokens: summary.completionTokens,
    cachedTokens: summary.cachedTokens,
    reasoningTokens: summary.reasoningTokens,
    responseStream: log?.finish() ?? null,
  };
  // A client that got the terminal event has the whole answer, whatever came after.
  if (error === null || summary.complete) {
    if (error !== null && !reply.destroyed) reply.end();
    exchange.finish(outcome);
    return;
  }
  const failure = streamError(exchange, error);
  exchange.finish({ ...outcome, error: failure.message });
  if (reply.destroyed || exchange.stopped?.code === "client_closed") return;
  // An SSE error event is what OpenAI itself sends mid-stream; the SDKs raise it as an APIError.
  if (!relay.canAppendEvent()) {
    reply.destroy();
    return;
  }
  reply.end(`data: ${JSON.stringify({ error: { message: failure.message, type: "server_error", param: null, code: failure.code } })}\n\n`);
}

/** A JSON answer up to this size goes out in one write with its exact length; a larger one streams through. */
const JSON_HOLD_BYTES = 256 * 1024;

async function relayJson(exchange: Exchange, key: PoolKey, answer: UpstreamAnswer, reply: Reply): Promise<void> {
  const { LOG_BODIES, LOG_BODY_MAX_BYTES } = env();
  const sample = new BodySample(LOG_BODIES ? LOG_BODY_MAX_BYTES : 0);
  const capture = captureOf(exchange, key, answer, false);
  // Its length is written with it: the upstream's when it streams through, the held bytes' otherwise.
  const headers = servedHeaders(exchange, key, answer.headers, false);
  const upstreamLength = answer.headers.get("content-length");
  let held: Buffer[] = [];
  let heldBytes = 0;
  const release = (): Buffer => {
    const out = joinBuffers(held, heldBytes);
    held = [];
    return out;
  };
  const { error, ttfbMs } = await pump(
    exchange,
    answer,
    reply,
    (chunk) => {
      sample.add(chunk);
      capture?.add(chunk);
      if (reply.headersSent) return chunk;
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes <= JSON_HOLD_BYTES) return null;
      if (upstreamLength !== null) headers.push("content-length", upstreamLength);
      reply.writeHead(answer.status, headers);
      return release();
    },
    () => {
      if (reply.headersSent) return null;
      headers.push("content-length", String(heldBytes));
      reply.writeHead(answer.status, headers);
      return release();
    },
  );
  if (error === null) capture?.end();
  const outcome: Outcome = { keyId: key.id, status: answer.status, ttfbMs, ...tokensFromJsonTail(sample.tail()), responseBody: sample.head() };
  finishBytes(exchange, reply, outcome, error);
}

async function relayBytes(exchange: Exchange, key: PoolKey, answer: UpstreamAnswer, reply: Reply, contentType: string): Promise<void> {
  let bytes = 0;
  reply.writeHead(answer.status, servedHeaders(exchange, key, answer.headers, true));
  const { error, ttfbMs } = await pump(
    exchange,
    answer,
    reply,
    (chunk) => {
      bytes += chunk.length;
      return chunk;
    },
    () => null,
  );
  const responseBody = loggable(`<${contentType.split(";")[0] || "binary"}, ${bytes} bytes>`);
  finishBytes(exchange, reply, { keyId: key.id, status: answer.status, ttfbMs, responseBody }, error);
}

/**
 * A plain body has no way to say "error" once started: the client's connection is cut instead.
 * Before the first byte went out, the client gets an error answer.
 */
function finishBytes(exchange: Exchange, reply: Reply, outcome: Outcome, error: unknown): void {
  if (error === null) {
    exchange.finish(outcome);
    return;
  }
  const failure = streamError(exchange, error);
  exchange.finish({ ...outcome, error: failure.message });
  if (reply.destroyed || exchange.stopped?.code === "client_closed") return;
  if (reply.headersSent) reply.destroy();
  else replyError(reply, new ApiError(502, "server_error", failure.code, failure.message), exchange.request.replyHeaders);
}
