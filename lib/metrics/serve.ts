import type { IncomingMessage, ServerResponse } from "node:http";
import { isAdminKey } from "../auth/admin";
import { bearerFrom } from "../auth/authenticate";
import { judgeGuess } from "../auth/guess-limit";
import { safeEqual, sha256 } from "../crypto/hash";
import { env } from "../env";
import { ApiError, unauthorized } from "../http/errors";
import { replyError } from "../proxy/reply";
import { clientAddress } from "../server/client-address";
import { tokenIdFor } from "../tokens/queries";
import { metricsContentType, metricsText } from "./registry";

export const isMetricsPath = (url: string) => url === "/metrics" || url.startsWith("/metrics?");

/** Digests of equal length: the comparison takes the same time whatever the candidate's length. */
function isMetricsToken(candidate: string): boolean {
  const token = env().METRICS_TOKEN;
  return token !== undefined && safeEqual(sha256(candidate), sha256(token));
}

/**
 * GET /metrics, on the edge beside /v1: Prometheus text for `Bearer <ADMIN_KEY>` or
 * `Bearer <METRICS_TOKEN>`. Wrong credentials count toward the same guessing limit as the admin key's.
 */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    replyError(res, new ApiError(405, "invalid_request_error", "method_not_allowed", "Use GET /metrics."), { allow: "GET, HEAD" });
    return;
  }
  const client = clientAddress(req);
  const bearer = bearerFrom(req.headers.authorization);
  const denied = unauthorized("Send Authorization: Bearer <ADMIN_KEY or METRICS_TOKEN> to read /metrics.");
  if (!bearer) return replyError(res, denied);
  // A client token is a credential, only not for this: no guess to count against its address.
  if (tokenIdFor(bearer) !== null) return replyError(res, denied);
  let allowed: boolean;
  try {
    allowed = judgeGuess(client, () => isMetricsToken(bearer) || isAdminKey(bearer));
  } catch (refusal) {
    return replyError(res, refusal as ApiError);
  }
  if (!allowed) return replyError(res, denied);
  const text = await metricsText();
  res.writeHead(200, { "content-type": metricsContentType(), "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(req.method === "HEAD" ? undefined : text);
}
