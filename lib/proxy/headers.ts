import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** Set on every incoming request by the server edge (lib/server), echoed to the client. */
export const REQUEST_ID_HEADER = "x-keypool-request-id";
/** The client's address, set by the server edge (from X-Forwarded-For only behind TRUST_PROXY). */
export const CLIENT_IP_HEADER = "x-keypool-client-ip";

// Headers that describe the client's hop or credentials, not the request: never sent upstream.
const DROP_REQUEST = new Set([
  "host", "authorization", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "trailer",
  "upgrade", "cookie", "forwarded", "x-real-ip", "expect", "proxy-authorization", "proxy-connection",
  // KeyPool reads the answer (usage, the log), so it asks for it uncompressed.
  "accept-encoding",
  // The pooled key belongs to KeyPool's organisation, not to whatever the client names.
  "openai-organization", "openai-project",
]);
const DROP_REQUEST_PREFIXES = ["x-forwarded-", "x-middleware-", "x-nextjs-", "next-", "sec-", "x-invoke-", "x-keypool-"];

// What a client needs from the upstream's answer; everything else (the upstream's organisation
// and project, cookies, its proxies' and CDN's headers) stays inside KeyPool.
const PASS_RESPONSE = new Set([
  "content-type", "content-length", "content-encoding", "content-disposition", "content-language",
  "x-request-id", "openai-processing-ms", "openai-version", "retry-after", "retry-after-ms",
]);
const PASS_RESPONSE_PREFIXES = ["x-ratelimit-"];

/** The client's headers worth sending upstream; the pooled key's authorization is added per attempt. */
export function upstreamRequestHeaders(client: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in client) {
    const value = client[name];
    if (value === undefined || DROP_REQUEST.has(name) || DROP_REQUEST_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** Whether an upstream answer's header (its name in lower case) may reach the client. */
export function passesToClient(name: string): boolean {
  return PASS_RESPONSE.has(name) || PASS_RESPONSE_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * `base`, then the upstream's answer headers a client may see (the answer holds no others, see
 * upstream.ts); `content-length` only while the body passes unchanged.
 */
export function clientResponseHeaders(upstream: IncomingHttpHeaders, bodyUnchanged: boolean, base: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...base };
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined) continue;
    if (name === "content-length" && !bodyUnchanged) continue;
    headers[name] = value;
  }
  return headers;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
