// Browser-based OpenAI clients call /v1 across origins. Credentials travel as Bearer tokens,
// never cookies, so any origin may call; the token decides what it may do.

export function withCors(response: Response): Response {
  response.headers.set("access-control-allow-origin", "*");
  response.headers.set("access-control-expose-headers", "*");
  return response;
}

export function preflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
      // A wildcard does not cover Authorization, so the asked-for headers are echoed.
      "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "authorization, content-type",
      "access-control-max-age": "86400",
    },
  });
}
