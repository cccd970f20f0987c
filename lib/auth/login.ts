import { z } from "zod";
import { ApiError } from "../http/errors";
import { isAdminKey } from "./admin";
import { judgeGuess } from "./guess-limit";
import { CLIENT_IP_HEADER } from "../proxy/headers";
import { clearedSessionCookie, createSession, endSession, sessionTokenFrom } from "./session";

export const loginSchema = z.object({ adminKey: z.string().min(1, "adminKey is required").max(512) }).strict();

export type LoginContext = { client: string; https: boolean };

/** Who is logging in, from the headers the server edge sets; "local" without it (the route alone). */
export function loginContext(headers: Headers, url: string): LoginContext {
  return {
    client: headers.get(CLIENT_IP_HEADER) ?? "local",
    https: new URL(url).protocol === "https:" || headers.get("x-forwarded-proto") === "https",
  };
}

/** Trades the admin key for a session; the caller sets it as an HttpOnly cookie. */
export async function login(context: LoginContext, adminKey: string): Promise<{ token: string; expiresAt: Date }> {
  if (!judgeGuess(context.client, () => isAdminKey(adminKey))) throw new ApiError(401, "invalid_request_error", "invalid_admin_key", "Wrong admin key.");
  return createSession();
}

export async function logout(request: Request): Promise<string> {
  const token = sessionTokenFrom(request.headers.get("cookie"));
  if (token) await endSession(token);
  return clearedSessionCookie();
}
