import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerPrincipal } from "../auth/authenticate";
import { env } from "../env";
import { ApiError, badRequest, unauthorized } from "../http/errors";
import { logError } from "../log";
import { preflightHeaders, v1ReplyHeaders } from "./cors";
import { proxy } from "./pipeline";
import { readBody } from "./read-body";
import { replyError } from "./reply";
import { clientAddress } from "../server/client-address";

type Target = { path: string; search: string };

/** A "." or ".." segment, also percent-encoded. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/**
 * The path below /v1 and the query, as the client sent them. Dot segments are refused: the
 * pooled keys must not be walked out of the upstream's /v1.
 */
function targetOf(url: string): Target | ApiError {
  const query = url.indexOf("?");
  const pathname = query === -1 ? url : url.slice(0, query);
  const path = pathname.slice("/v1/".length);
  if (DOT_SEGMENT.test(path)) return badRequest(`Invalid path ${pathname}: it must not contain "." or ".." segments.`);
  if (path === "") return new ApiError(404, "invalid_request_error", "unknown_url", `Unknown path ${pathname}: name an OpenAI endpoint such as /v1/chat/completions.`);
  return { path, search: query === -1 ? "" : url.slice(query) };
}

/**
 * /v1/*: the OpenAI-compatible surface, served on plain Node streams in front of Next. Bearer
 * credentials only (a client token or the admin key); the dashboard's cookie means nothing here.
 * Answers through `res` in every case; a failure inside KeyPool is logged and cuts the connection.
 */
export function serveV1(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  const failed = (error: unknown) => {
    logError("serving /v1 failed", error, { requestId });
    res.destroy();
  };
  try {
    answer(req, res, requestId, failed);
  } catch (error) {
    failed(error);
  }
}

function answer(req: IncomingMessage, res: ServerResponse, requestId: string, failed: (error: unknown) => void): void {
  const replyHeaders = v1ReplyHeaders(requestId);
  if (req.method === "OPTIONS") {
    res.writeHead(204, [...replyHeaders, ...preflightHeaders(req)]);
    res.end();
    return;
  }
  let principal: ReturnType<typeof bearerPrincipal>;
  try {
    principal = bearerPrincipal(req.headers.authorization, clientAddress(req));
  } catch (error) {
    replyError(res, error as ApiError, replyHeaders);
    return;
  }
  if (!principal) {
    replyError(res, unauthorized("Missing or unknown API key: send Authorization: Bearer <KeyPool client token>."), replyHeaders);
    return;
  }
  const target = targetOf(req.url ?? "/v1");
  if (target instanceof ApiError) {
    replyError(res, target, replyHeaders);
    return;
  }
  const tokenId = principal.kind === "client" ? principal.tokenId : null;
  const forward = (body: Buffer | null) => {
    proxy({ method: req.method ?? "GET", path: target.path, search: target.search, headers: req.headers, body, tokenId, source: "v1", requestId, replyHeaders }, res).catch(failed);
  };
  if (req.method === "GET" || req.method === "HEAD") {
    forward(null);
    return;
  }
  // What is left of a refused body is dropped by the server edge once the answer is out.
  readBody(req, env().MAX_BODY_BYTES, forward, (error) => replyError(res, error, replyHeaders));
}
