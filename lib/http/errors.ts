import { z } from "zod";
import { logError } from "../log";

export type OpenAIErrorBody = {
  error: { message: string; type: string; param: string | null; code: string | null };
};

/** The one error type: anything thrown as ApiError reaches the client in OpenAI's shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    /** Sent as Retry-After: when the client may try again. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, "invalid_request_error", code, message, param);
export const unauthorized = (message: string) => new ApiError(401, "invalid_request_error", "invalid_api_key", message);
/** A failure inside KeyPool: the client learns nothing internal, the server log has the details. */
export const internalError = () => new ApiError(500, "server_error", "internal_error", "Internal server error. The server log has the details.");
/** A request that came after SIGTERM, or was still waiting when the grace period ran out: another instance may take it. */
export const shuttingDown = () => new ApiError(503, "server_error", "shutting_down", "KeyPool is shutting down; retry the request.", null, 1);
export const notFound = (message: string) => new ApiError(404, "invalid_request_error", "not_found", message);
export const tooLarge = (limit: number) =>
  new ApiError(413, "invalid_request_error", "request_too_large", `Request body is larger than ${limit} bytes (MAX_BODY_BYTES).`);

export function fromZodError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.join(".") : null;
  const message = issue ? `${param ? `${param}: ` : ""}${issue.message}` : "Invalid request";
  return badRequest(message, param);
}

type PrismaLikeError = { code?: unknown; name?: unknown };

/** SQLite's "database is locked", however the driver adapter wraps it. */
function isDatabaseBusy(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return /database is locked|SQLITE_BUSY/i.test(text);
}

/** Turns anything thrown into an ApiError; unknown errors become a 500 that reveals nothing. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  const code = (error as PrismaLikeError | null)?.code;
  if (code === "P2002") return new ApiError(409, "invalid_request_error", "conflict", "A record with this value already exists.");
  if (code === "P2025") return notFound("The requested record does not exist.");
  if (isDatabaseBusy(error)) {
    return new ApiError(503, "server_error", "database_busy", "The database is locked by another process (a backup, a long write); nothing was changed. Retry in a moment.", null, 2);
  }
  logError("unhandled error", error, { stack: error instanceof Error ? error.stack : undefined });
  return internalError();
}

