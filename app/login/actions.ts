"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { ready } from "@/lib/boot";
import { ApiError } from "@/lib/http/errors";
import { login, loginContext } from "@/lib/auth/login";
import { SESSION_COOKIE } from "@/lib/auth/session";

export type SignInState = { error: "wrongKey" | "tooMany" | null };

/** The login form's action: works before (and without) client JavaScript. */
export async function signIn(_previous: SignInState, form: FormData): Promise<SignInState> {
  await ready();
  const adminKey = String(form.get("adminKey") ?? "");
  const requestHeaders = await headers();
  const context = loginContext(requestHeaders, `${requestHeaders.get("x-forwarded-proto") === "https" ? "https" : "http"}://${requestHeaders.get("host") ?? "localhost"}/`);
  try {
    const { token, expiresAt } = await login(context, adminKey);
    (await cookies()).set(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", secure: context.https, path: "/", expires: expiresAt });
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_admin_key") return { error: "wrongKey" };
    if (error instanceof ApiError && error.code === "too_many_login_attempts") return { error: "tooMany" };
    throw error;
  }
  redirect("/");
}
