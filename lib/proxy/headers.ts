import type { IncomingHttpHeaders } from "node:http";

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

/**
 * The client's headers worth sending upstream, as the flat list [name, value, …] undici takes
 * (cheaper to extend than an object); the pooled key's authorization is added per attempt.
 */
export function upstreamRequestHeaders(client: IncomingHttpHeaders): string[] {
  const headers: string[] = [];
  for (const name in client) {
    const value = client[name];
    if (value === undefined || DROP_REQUEST.has(name) || DROP_REQUEST_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    headers.push(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/** The first letters of the names that may reach the client: a raw name starting otherwise is skipped unread. */
export const PASSED_INITIALS = new Set([...PASS_RESPONSE, ...PASS_RESPONSE_PREFIXES].map((name) => name.charCodeAt(0)));

/** Whether an upstream answer's header (its name in lower case) may reach the client. */
export function passesToClient(name: string): boolean {
  if (PASS_RESPONSE.has(name)) return true;
  for (const prefix of PASS_RESPONSE_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}

/**
 * The upstream answer's headers that KeyPool reads or passes on, as the flat list
 * [name, value, name, value, …] (names in lower case, a repeated header repeated).
 */
export class AnswerHeaders {
  constructor(readonly pairs: readonly string[]) {}

  get(name: string): string | null {
    for (let i = 0; i + 1 < this.pairs.length; i += 2) if (this.pairs[i] === name) return this.pairs[i + 1] ?? null;
    return null;
  }
}

/**
 * What the client's answer carries, as a flat list for writeHead(): `base`, then the upstream's
 * headers a client may see (the answer holds no others, see upstream.ts), `content-length` only
 * while the body passes unchanged. A list, not an object: an object built from a dozen keys named
 * at run time turned into a slow dictionary (measured: ~10 µs a request).
 */
export function clientResponseHeaders(upstream: AnswerHeaders, bodyUnchanged: boolean, base: readonly string[]): string[] {
  const headers = base.slice();
  const { pairs } = upstream;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const name = pairs[i] as string;
    if (name === "content-length" && !bodyUnchanged) continue;
    headers.push(name, pairs[i + 1] as string);
  }
  return headers;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
