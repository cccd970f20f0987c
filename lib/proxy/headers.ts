/** Set on every incoming request by the server edge (scripts/start.mjs), echoed to the client. */
export const REQUEST_ID_HEADER = "x-keypool-request-id";
/** The socket's remote address, set by the server edge (never taken from the client). */
export const CLIENT_IP_HEADER = "x-keypool-client-ip";

// Headers that describe the client's hop or credentials, not the request: never sent upstream.
const DROP_REQUEST = new Set([
  "host", "authorization", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "trailer",
  "upgrade", "cookie", "accept-encoding", "forwarded", "x-real-ip", "expect", "proxy-authorization",
  // The pooled key belongs to KeyPool's organisation, not to whatever the client names.
  "openai-organization", "openai-project",
]);
const DROP_REQUEST_PREFIXES = ["x-forwarded-", "x-middleware-", "x-nextjs-", "next-", "sec-", "x-invoke-", "x-keypool-"];

// fetch already decoded the body, and lengths/framing are set again for the client's hop.
const DROP_RESPONSE = new Set([
  "connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length", "set-cookie",
  "alt-svc", "strict-transport-security", "trailer", "upgrade",
]);

export function upstreamRequestHeaders(clientHeaders: Headers, apiKey: string): Headers {
  const headers = new Headers();
  clientHeaders.forEach((value, name) => {
    if (DROP_REQUEST.has(name) || DROP_REQUEST_PREFIXES.some((prefix) => name.startsWith(prefix))) return;
    headers.set(name, value);
  });
  headers.set("authorization", `Bearer ${apiKey}`);
  return headers;
}

export function clientResponseHeaders(upstream: Headers): Headers {
  const headers = new Headers();
  upstream.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name)) headers.set(name, value);
  });
  return headers;
}
