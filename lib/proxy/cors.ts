import type { IncomingMessage } from "node:http";
import { REQUEST_ID_HEADER } from "./headers";

// Browser-based OpenAI clients call /v1 across origins. Credentials travel as Bearer tokens,
// never cookies, so any origin may call; the token decides what it may do.

/**
 * What every /v1 answer carries: CORS, and KeyPool's id for the request, as the flat list
 * [name, value, …] that writeHead() takes. A list literal: the object this was before (a spread
 * and a computed key) took V8's slow path for defining properties on every request.
 */
export function v1ReplyHeaders(requestId: string): string[] {
  return ["access-control-allow-origin", "*", "access-control-expose-headers", "*", REQUEST_ID_HEADER, requestId];
}

/** What a preflight answer adds to those. */
export function preflightHeaders(req: IncomingMessage): string[] {
  return [
    "access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    // A wildcard does not cover Authorization, so the asked-for headers are echoed.
    "access-control-allow-headers", req.headers["access-control-request-headers"] ?? "authorization, content-type",
    "access-control-max-age", "86400",
  ];
}
