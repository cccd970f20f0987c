import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { crossSite, isSameOrigin } from "../auth/same-origin";
import { replyError } from "../proxy/reply";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Scripts run only with this response's nonce (Next puts it on its own script tags when it finds
 * it in the request's Content-Security-Policy header) or when loaded by such a script
 * ('strict-dynamic'): an injected `<script>` or `onerror=` runs nowhere. Styles allow inline:
 * React renders `style={…}` attributes, and a style cannot run code.
 */
function pagePolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** JSON answers and static files: nothing in them may run, and nobody may frame them. */
const STATIC_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * TLS terminated here, or by a reverse proxy that says so in X-Forwarded-Proto. A client faking
 * the header over plain HTTP gains nothing: browsers ignore HSTS that did not come over HTTPS.
 */
const isHttps = (req: IncomingMessage) => (req.socket as TLSSocket).encrypted === true || req.headers["x-forwarded-proto"] === "https";

/**
 * The headers on every answer that is not /v1 (pages, /api, Next's files). Returns false after
 * refusing a cross-site server action: a POST to a page is one, and Next alone lets it through
 * when the browser sent no Origin. (/api state changes are checked in the route wrapper.)
 */
export function secureNextRequest(req: IncomingMessage, res: ServerResponse, url: string): boolean {
  const api = url === "/api" || url.startsWith("/api/") || url.startsWith("/api?");
  const page = !api && !url.startsWith("/_next/");
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  // Not "no-referrer": under it a browser sends `Origin: null` with a form post, even to its own origin.
  res.setHeader("referrer-policy", "same-origin");
  if (isHttps(req)) res.setHeader("strict-transport-security", "max-age=31536000");
  if (api) res.setHeader("cache-control", "no-store");
  if (!page) {
    res.setHeader("content-security-policy", STATIC_POLICY);
    return true;
  }
  const policy = pagePolicy(randomBytes(16).toString("base64"));
  // Next reads the nonce from the request's policy; whatever a client sent under that name is replaced.
  req.headers["content-security-policy"] = policy;
  delete req.headers["content-security-policy-report-only"];
  res.setHeader("content-security-policy", policy);
  if (SAFE_METHODS.has(req.method ?? "GET")) return true;
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (isSameOrigin(header, isHttps(req) ? "https" : "http")) return true;
  replyError(res, crossSite("This form was not sent from a KeyPool page (Origin or Sec-Fetch-Site is missing or another origin)."));
  return false;
}
