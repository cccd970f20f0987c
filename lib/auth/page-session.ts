import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { ready } from "../boot";
import { SESSION_COOKIE, isValidSession } from "./session";

export async function hasSession(): Promise<boolean> {
  await ready();
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return token !== undefined && (await isValidSession(token));
}

/** For dashboard pages: checked on the server for every page, not only in a proxy. */
export async function requireSession(): Promise<void> {
  if (!(await hasSession())) redirect("/login");
}
