import { ApiError } from "../http/errors";

/** Reads one request header, whatever the request type (a fetch Request or node's IncomingMessage). */
export type HeaderReader = (name: string) => string | null | undefined;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// With Bearer credentials the cookie is never looked at (lib/auth/authenticate.ts).
const BEARER = /^\s*Bearer\s+\S/i;

const first = (value: string | null | undefined) => value?.split(",")[0]?.trim() || null;

/**
 * Whether a state-changing request was sent by a page of this very origin. A browser always says
 * where a POST comes from: `Origin` (compared with the Host the request was sent to, and its
 * scheme), or else `Sec-Fetch-Site`. SameSite=Lax cookies do not stop a page on another port of
 * the same host, or a sibling subdomain: those are the same site, not the same origin.
 * Behind a reverse proxy, X-Forwarded-Host/-Proto name what the browser saw (a page cannot set them).
 */
export function isSameOrigin(header: HeaderReader, requestScheme: string): boolean {
  const fetchSite = header("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin") return false;
  const origin = header("origin");
  // "null": an opaque origin, or a form posted under a no-referrer policy; Sec-Fetch-Site still tells.
  if (!origin || origin === "null") return fetchSite === "same-origin";
  const host = first(header("x-forwarded-host")) ?? header("host");
  const scheme = first(header("x-forwarded-proto")) ?? requestScheme;
  return host !== null && host !== undefined && origin.toLowerCase() === `${scheme}://${host}`.toLowerCase();
}

function isJson(contentType: string | null): boolean {
  const media = contentType?.split(";")[0]?.trim().toLowerCase();
  return media === "application/json";
}

const hasBody = (headers: Headers) => Number(headers.get("content-length") ?? "0") > 0 || headers.has("transfer-encoding");

/**
 * Refuses a cross-site state change on the admin API before anything is read or changed: a
 * browser sends the admin's cookie along with a form or a no-cors fetch from any page, and a
 * `text/plain` form can carry a body that parses as JSON. Only a same-origin page, sending JSON
 * (which no form can and which a cross-origin fetch cannot without a CORS preflight), gets through.
 * Callers with `Authorization: Bearer` (curl, SDKs) are not browsers riding a cookie: unaffected.
 */
export function assertSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method) || BEARER.test(request.headers.get("authorization") ?? "")) return;
  const header: HeaderReader = (name) => request.headers.get(name);
  if (!isSameOrigin(header, new URL(request.url).protocol.slice(0, -1))) {
    throw crossSite("This request did not come from a KeyPool page (Origin or Sec-Fetch-Site is missing or another origin). From a script, send Authorization: Bearer <ADMIN_KEY> instead of the session cookie.");
  }
  if (hasBody(request.headers) && !isJson(request.headers.get("content-type"))) {
    throw crossSite("Send the request body as JSON with Content-Type: application/json.");
  }
}

export const crossSite = (message: string) => new ApiError(403, "invalid_request_error", "cross_site_request", message);
