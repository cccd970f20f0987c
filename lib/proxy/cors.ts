import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { REQUEST_ID_HEADER } from "./headers";

// Browser-based OpenAI clients call /v1 across origins. Credentials travel as Bearer tokens,
// never cookies, so any origin may call; the token decides what it may do.
export const CORS_HEADERS: OutgoingHttpHeaders = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "*",
};

/** What every /v1 answer carries: CORS, and KeyPool's id for the request. */
export function v1ReplyHeaders(requestId: string): OutgoingHttpHeaders {
  return { ...CORS_HEADERS, [REQUEST_ID_HEADER]: requestId };
}

export function preflightHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  return {
    ...CORS_HEADERS,
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    // A wildcard does not cover Authorization, so the asked-for headers are echoed.
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "authorization, content-type",
    "access-control-max-age": "86400",
  };
}
