import { isAdminKey } from "./admin";
import { isValidSession, sessionTokenFrom } from "./session";
import { tokenIdFor } from "../tokens/queries";

export type Principal = { kind: "admin" } | { kind: "client"; tokenId: number };

function bearerFrom(authorization: string | null | undefined): string | null {
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  return match?.[1]?.trim() ?? null;
}

/**
 * Who the Bearer credentials name: the admin or a client token; null without them or when they
 * are unknown. All that /v1 accepts, and synchronous: keys and token hashes are in memory.
 */
export function bearerPrincipal(authorization: string | null | undefined): Principal | null {
  const bearer = bearerFrom(authorization);
  if (!bearer) return null;
  if (isAdminKey(bearer)) return { kind: "admin" };
  const tokenId = tokenIdFor(bearer);
  return tokenId === null ? null : { kind: "client", tokenId };
}

/** Who is calling the admin API: the admin (key or dashboard session), a client token, or nobody. */
export async function authenticate(headers: Headers): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (bearerFrom(authorization)) return bearerPrincipal(authorization);
  const session = sessionTokenFrom(headers.get("cookie"));
  if (session && (await isValidSession(session))) return { kind: "admin" };
  return null;
}
