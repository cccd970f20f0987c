import type { z } from "zod";
import { ready } from "../boot";
import { authenticate, type Principal } from "../auth/authenticate";
import { assertSameOrigin } from "../auth/same-origin";
import { env } from "../env";
import { ApiError, badRequest, fromZodError, tooLarge, unauthorized } from "./errors";
import { errorResponse } from "./respond";

type Access = "admin" | "client" | "none";

type Options<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined> = {
  auth: Access;
  body?: B;
  query?: Q;
  /** The dynamic path segments (`[id]`), parsed like the query: handlers get them typed. */
  params?: P;
};

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export type Context<B, Q, P> = {
  request: Request;
  body: B;
  query: Q;
  params: P;
  principal: Principal | null;
};

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

/** Every handler: boot → authorize → parse → handle; anything thrown leaves as an OpenAI-shaped error. */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  options: Options<B, Q, P>,
  handler: (context: Context<Infer<B>, Infer<Q>, Infer<P>>) => Promise<Response> | Response,
) {
  return async (request: Request, routeContext?: RouteContext): Promise<Response> => {
    try {
      await ready();
      assertSameOrigin(request);
      const principal = await authorize(request, options.auth);
      const params = (options.params ? parseWith(options.params, (await routeContext?.params) ?? {}) : undefined) as Infer<P>;
      const query = (options.query ? parseWith(options.query, Object.fromEntries(new URL(request.url).searchParams)) : undefined) as Infer<Q>;
      const body = (options.body ? await parseBody(request, options.body) : undefined) as Infer<B>;
      return await handler({ request, body, query, params, principal });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

async function authorize(request: Request, access: Access): Promise<Principal | null> {
  if (access === "none") return null;
  const principal = await authenticate(request.headers);
  if (!principal) {
    throw unauthorized(
      access === "admin"
        ? "Missing or wrong admin credentials: log in, or send Authorization: Bearer <ADMIN_KEY>."
        : "Missing or unknown API key: send Authorization: Bearer <KeyPool client token>.",
    );
  }
  if (access === "admin" && principal.kind !== "admin") {
    throw new ApiError(403, "invalid_request_error", "admin_required", "A client token cannot use the admin API; use the admin key.");
  }
  return principal;
}

/**
 * The body, read as it arrives and abandoned as soon as it passes MAX_BODY_BYTES: a chunked
 * upload without Content-Length cannot grow the process. (The server edge closes a connection
 * whose body was left unread.)
 */
async function readBodyBytes(request: Request): Promise<Uint8Array> {
  const limit = env().MAX_BODY_BYTES;
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

async function parseBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const bytes = await readBodyBytes(request);
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw badRequest("Request body must be valid JSON.");
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}
