import { z } from "zod";
import { ApiError } from "../http/errors";
import { isAdminKey } from "./admin";
import { assertLoginAllowed, noteLoginFailure } from "./login-limit";
import { CLIENT_IP_HEADER } from "../proxy/headers";
import { clearedSessionCookie, createSession, endSession, sessionCookie, sessionTokenFrom } from "./session";

export const loginSchema = z.object({ adminKey: z.string().min(1, "adminKey is required").max(512) }).strict();

const isHttps = (request: Request) =>
  new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";

/** Trades the admin key for an HttpOnly session cookie. */
export async function login(request: Request, adminKey: string): Promise<string> {
  // Set by the server edge from the socket; "local" when running without it (tests of the route alone).
  const client = request.headers.get(CLIENT_IP_HEADER) ?? "local";
  assertLoginAllowed(client);
  if (!isAdminKey(adminKey)) {
    noteLoginFailure(client);
    throw new ApiError(401, "invalid_request_error", "invalid_admin_key", "Wrong admin key.");
  }
  const { token, expiresAt } = await createSession();
  return sessionCookie(token, expiresAt, isHttps(request));
}

export async function logout(request: Request): Promise<string> {
  const token = sessionTokenFrom(request.headers.get("cookie"));
  if (token) await endSession(token);
  return clearedSessionCookie();
}
