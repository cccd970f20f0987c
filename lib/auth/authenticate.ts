import { sha256 } from "../crypto/hash";
import { CLIENT_IP_HEADER } from "../proxy/headers";
import { isAdminKey } from "./admin";
import { judgeGuess } from "./guess-limit";
import { isValidSession, sessionTokenFrom } from "./session";
import { tokenIdFor } from "../tokens/queries";

export type Principal = { kind: "admin" } | { kind: "client"; tokenId: number };

export function bearerFrom(authorization: string | null | undefined): string | null {
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  return match?.[1]?.trim() ?? null;
}

/**
 * Who the Bearer credentials name: the admin or a client token; null without them or when they
 * are unknown. All that /v1 accepts, and synchronous: keys and token hashes are in memory.
 * Wrong credentials count against `client`; one that sent too many is refused (a thrown 429)
 * before its credential is judged, whatever it is, so its guesses teach it nothing. Client
 * tokens are random and long, beyond guessing: they are never held back.
 */
export function bearerPrincipal(authorization: string | null | undefined, client: string): Principal | null {
  const bearer = bearerFrom(authorization);
  if (!bearer) return null;
  const digest = sha256(bearer);
  const tokenId = tokenIdFor(bearer, digest);
  if (tokenId !== null) return { kind: "client", tokenId };
  return judgeGuess(client, () => isAdminKey(bearer, digest)) ? { kind: "admin" } : null;
}

/** Who is calling the admin API: the admin (key or dashboard session), a client token, or nobody. */
export async function authenticate(headers: Headers): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (bearerFrom(authorization)) return bearerPrincipal(authorization, headers.get(CLIENT_IP_HEADER) ?? "local");
  const session = sessionTokenFrom(headers.get("cookie"));
  if (session && (await isValidSession(session))) return { kind: "admin" };
  return null;
}
