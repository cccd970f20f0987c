import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { env } from "../env";
import { internalError, shuttingDown, tooLarge } from "../http/errors";
import { LiveList, type LiveLink } from "../live-list";
import { logError } from "../log";
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from "../proxy/headers";
import { clientAddress } from "./client-address";
import { replyError } from "../proxy/reply";
import { serveV1 } from "../proxy/v1";
import { isMetricsPath, serveMetrics } from "../metrics/serve";
import { accessLog } from "./access-log";
import { newRequestId } from "./request-id";
import { secureNextRequest } from "./security-headers";

/** Next's request handler: pages, server actions and /api. */
export type NextHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export type KeyPoolServer = {
  server: http.Server;
  /** Stops taking requests: new connections are refused, requests on kept-alive ones get a 503. */
  stopAccepting: () => void;
  /** Resolves once no request is in flight or after `ms`, with how many still are. */
  settled: (ms: number) => Promise<number>;
};

const isV1 = (url: string) => url === "/v1" || url.startsWith("/v1/") || url.startsWith("/v1?");

/**
 * What the client may still send after an early answer, read and dropped before the connection is
 * cut (as nginx's lingering close does): a client only notices the answer after what it had
 * already written, often megabytes on a fast link. Dropped bytes cost no memory.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 5000;

/**
 * After an answer given before the body was read (a 413, a 401): reads and drops what the client
 * still sends, so it gets to read the answer instead of a reset; past a bound the connection is cut.
 */
function dropUnreadBody(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  let dropped = 0;
  const cut = setTimeout(() => req.socket.destroy(), DRAIN_TIMEOUT_MS);
  req.removeAllListeners("data");
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT_BYTES) req.socket.destroy();
  });
  req.once("close", () => clearTimeout(cut));
  req.resume();
}

/** Ends a connection once what was written to it is sent. */
function closeWhenSent(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  socket.end();
  socket.once("finish", () => socket.destroy());
}

/**
 * The process's one HTTP server: /v1 on the lean edge, everything else handed to Next. Every
 * request gets an id (echoed, logged, stored with its log row).
 */
export function createKeyPoolServer(handleNext: NextHandler): KeyPoolServer {
  const inflight = new LiveList<ServerResponse>();
  let draining = false;
  let drained: (() => void) | null = null;

  const server = http.createServer((req, res) => {
    const startedMs = performance.now();
    const requestId = newRequestId();
    const url = req.url ?? "/";
    let tracked: LiveLink<ServerResponse> | null = null;
    res.once("close", () => {
      if (tracked) inflight.delete(tracked);
      // An answer given before the body was read (a 413, a 401): drop the rest, bounded.
      if (!req.complete) dropUnreadBody(req);
      if (!url.startsWith("/_next/")) accessLog(req, res, requestId, startedMs);
      if (draining && inflight.size === 0) drained?.();
    });
    // A request on a kept-alive connection after SIGTERM goes elsewhere: this process is leaving.
    // (Not in flight: behind a pipelined answer that closes the connection it may never be sent.)
    if (draining) {
      replyError(res, shuttingDown(), { connection: "close", [REQUEST_ID_HEADER]: requestId });
      return;
    }
    tracked = inflight.add(res);
    // /v1 writes the id with its answer's headers (see ProxyRequest.replyHeaders).
    if (isV1(url)) {
      serveV1(req, res, requestId);
      return;
    }
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // On the edge too: a scrape never waits on Next, and it reads the pipeline's own counters.
    if (isMetricsPath(url)) {
      serveMetrics(req, res).catch((error: unknown) => {
        logError("serving /metrics failed", error, { requestId });
        if (!res.headersSent) replyError(res, internalError());
        else res.destroy();
      });
      return;
    }
    if (!secureNextRequest(req, res, url)) return;
    if (Number(req.headers["content-length"] ?? 0) > env().MAX_BODY_BYTES) {
      replyError(res, tooLarge(env().MAX_BODY_BYTES));
      return;
    }
    // Route handlers store the id with their log rows; they may rate-limit by the socket's address.
    req.headers[REQUEST_ID_HEADER] = requestId;
    req.headers[CLIENT_IP_HEADER] = clientAddress(req);
    handleNext(req, res).catch((error: unknown) => {
      logError("Next.js request handler failed", error, { requestId });
      if (!res.headersSent) replyError(res, internalError());
      else res.destroy();
    });
  });

  const stopAccepting = () => {
    if (draining) return;
    draining = true;
    server.close();
    server.closeIdleConnections();
    for (const res of inflight.values()) {
      // Whatever is answered from now on closes its connection behind it.
      if (!res.headersSent) res.shouldKeepAlive = false;
      else {
        const socket = res.socket;
        res.once("finish", () => closeWhenSent(socket));
      }
    }
  };

  const settled = async (ms: number): Promise<number> => {
    if (inflight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return inflight.size;
  };

  return { server, stopAccepting, settled };
}
