import type { PoolKey } from "../keys/status";
import { tokensFromBody } from "../usage/tokens";
import { finishRecord, loggable, servedHeaders, type Exchange } from "./exchange";
import { SseRelay } from "./sse";

/** Hands a successful upstream answer to the client: SSE relayed as it arrives, JSON whole, anything else streamed. */
export async function deliver(exchange: Exchange, key: PoolKey, upstream: Response, controller: AbortController): Promise<Response> {
  exchange.attempts.push({ keyId: key.id, failed: false });
  const headers = servedHeaders(exchange, key, upstream.headers);
  const contentType = upstream.headers.get("content-type") ?? "";
  if (!upstream.body) {
    finishRecord(exchange, { keyId: key.id, status: upstream.status, ttfbMs: elapsed(exchange), promptTokens: null, completionTokens: null, error: null, responseBody: null });
    return new Response(null, { status: upstream.status, headers });
  }
  if (contentType.startsWith("text/event-stream")) return relayStream(exchange, key, upstream, controller, headers);
  if (/\bjson\b/.test(contentType)) return deliverJson(exchange, key, upstream, headers);
  return relayBytes(exchange, key, upstream, controller, headers, contentType);
}

function elapsed(exchange: Exchange): number {
  return Math.round(performance.now() - exchange.started);
}

async function deliverJson(exchange: Exchange, key: PoolKey, upstream: Response, headers: Headers): Promise<Response> {
  const ttfbMs = elapsed(exchange);
  const body = await upstream.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // delivered as received; only the token count is lost
  }
  finishRecord(exchange, { keyId: key.id, status: upstream.status, ttfbMs, ...tokensFromBody(parsed), error: null, responseBody: loggable(body) });
  return new Response(body, { status: upstream.status, headers });
}

type StreamEnd = { error: string | null };

function pipe(
  exchange: Exchange,
  upstream: Response & { body: ReadableStream<Uint8Array> },
  controller: AbortController,
  transform: (chunk: Uint8Array) => Uint8Array | null,
  flush: () => Uint8Array | null,
  onEnd: (end: StreamEnd & { ttfbMs: number | null }) => void,
): ReadableStream<Uint8Array> {
  const reader = upstream.body.getReader();
  let ttfbMs: number | null = null;
  let ended = false;
  const end = (error: string | null) => {
    if (ended) return;
    ended = true;
    onEnd({ error, ttfbMs });
  };
  return new ReadableStream<Uint8Array>({
    async pull(client) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          const rest = flush();
          if (rest) client.enqueue(rest);
          client.close();
          end(null);
          return;
        }
        ttfbMs ??= elapsed(exchange);
        const out = transform(value);
        if (out) client.enqueue(out);
      } catch (error) {
        // Bytes already reached the client: no retry, the client's stream ends with an error.
        const reason = error instanceof Error ? error.message : String(error);
        end(controller.signal.aborted ? `stream ended early: ${reason}` : `upstream stream broke off: ${reason}`);
        client.error(error);
      }
    },
    cancel() {
      controller.abort();
      end("client closed the stream");
    },
  });
}

function relayStream(exchange: Exchange, key: PoolKey, upstream: Response, controller: AbortController, headers: Headers): Response {
  const relay = new SseRelay({ stripUsage: exchange.prepared.stripUsage });
  const stream = pipe(
    exchange,
    upstream as Response & { body: ReadableStream<Uint8Array> },
    controller,
    (chunk) => relay.push(chunk),
    () => relay.flush(),
    ({ error, ttfbMs }) => {
      const summary = relay.summary();
      finishRecord(exchange, {
        keyId: key.id,
        status: upstream.status,
        ttfbMs,
        promptTokens: summary.promptTokens,
        completionTokens: summary.completionTokens,
        error,
        responseBody: loggable(summary.assembled === null ? null : JSON.stringify(summary.assembled)),
      });
    },
  );
  headers.set("cache-control", "no-cache");
  headers.set("x-accel-buffering", "no");
  return new Response(stream, { status: upstream.status, headers });
}

function relayBytes(exchange: Exchange, key: PoolKey, upstream: Response, controller: AbortController, headers: Headers, contentType: string): Response {
  let bytes = 0;
  const stream = pipe(
    exchange,
    upstream as Response & { body: ReadableStream<Uint8Array> },
    controller,
    (chunk) => {
      bytes += chunk.byteLength;
      return chunk;
    },
    () => null,
    ({ error, ttfbMs }) =>
      finishRecord(exchange, {
        keyId: key.id,
        status: upstream.status,
        ttfbMs,
        promptTokens: null,
        completionTokens: null,
        error,
        responseBody: loggable(`<${contentType.split(";")[0] || "binary"}, ${bytes} bytes>`),
      }),
  );
  return new Response(stream, { status: upstream.status, headers });
}
