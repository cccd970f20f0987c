import { db } from "../db";
import { env } from "../env";
import { randomToken, sha256 } from "../crypto/hash";

export const SESSION_COOKIE = "keypool_session";

export async function createSession(): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken("", 32);
  const expiresAt = new Date(Date.now() + env().SESSION_TTL_HOURS * 3600_000);
  await db.session.create({ data: { hash: sha256(token), expiresAt } });
  // Expired sessions are dropped here rather than by a timer.
  await db.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return { token, expiresAt };
}

export async function isValidSession(token: string): Promise<boolean> {
  const session = await db.session.findUnique({ where: { hash: sha256(token) } });
  return session !== null && session.expiresAt.getTime() > Date.now();
}

/** Signs out every browser at once (a lost laptop, a shared screen); returns how many sessions ended. */
export async function endAllSessions(): Promise<number> {
  return (await db.session.deleteMany({})).count;
}

export async function endSession(token: string): Promise<void> {
  await db.session.deleteMany({ where: { hash: sha256(token) } });
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  const parts = [`${SESSION_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Expires=${expiresAt.toUTCString()}`];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

export function sessionTokenFrom(cookieHeader: string | null): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=") || null;
  }
  return null;
}
