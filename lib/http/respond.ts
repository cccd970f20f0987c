import { ApiError, toApiError } from "./errors";

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(body, { status, headers });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

export function errorResponse(error: unknown): Response {
  const apiError: ApiError = toApiError(error);
  return json(apiError.toBody(), apiError.status, apiError.retryAfterS === null ? undefined : { "retry-after": String(apiError.retryAfterS) });
}
