import { z } from "zod";
import { ApiError } from "../http/errors";
import { isAdminKey } from "./admin";
import { clearedSessionCookie, createSession, endSession, sessionCookie, sessionTokenFrom } from "./session";

export const loginSchema = z.object({ adminKey: z.string().min(1, "adminKey is required").max(512) }).strict();

const isHttps = (request: Request) =>
  new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";

/** Trades the admin key for an HttpOnly session cookie. */
export async function login(request: Request, adminKey: string): Promise<string> {
  if (!isAdminKey(adminKey)) throw new ApiError(401, "invalid_request_error", "invalid_admin_key", "Wrong admin key.");
  const { token, expiresAt } = await createSession();
  return sessionCookie(token, expiresAt, isHttps(request));
}

export async function logout(request: Request): Promise<string> {
  const token = sessionTokenFrom(request.headers.get("cookie"));
  if (token) await endSession(token);
  return clearedSessionCookie();
}
