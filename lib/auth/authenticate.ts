import { sha256 } from "../crypto/hash";
import { singleton } from "../singleton";
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
  const digest = acceptedDigests.get(bearer) ?? sha256(bearer);
  const tokenId = tokenIdFor(bearer, digest);
  if (tokenId !== null) return accepted(bearer, digest, { kind: "client", tokenId });
  return judgeGuess(client, () => isAdminKey(bearer, digest)) ? accepted(bearer, digest, ADMIN) : null;
}

const ADMIN: Principal = { kind: "admin" };
const ACCEPTED_DIGESTS_MAX = 1000;
/**
 * The SHA-256 of credentials accepted lately, in memory only: a client sends the same one with
 * every request, and hashing it each time was 2 % of the /v1 path. Only the hash is remembered,
 * not the verdict: a revoked token or a changed admin key is refused at its next request.
 */
const acceptedDigests = singleton("acceptedDigests", () => new Map<string, string>());

function accepted(bearer: string, digest: string, principal: Principal): Principal {
  if (!acceptedDigests.has(bearer)) {
    // Past the bound the memory starts over: the next request of each client hashes once more.
    if (acceptedDigests.size >= ACCEPTED_DIGESTS_MAX) acceptedDigests.clear();
    acceptedDigests.set(bearer, digest);
  }
  return principal;
}

/** Who is calling the admin API: the admin (key or dashboard session), a client token, or nobody. */
export async function authenticate(headers: Headers): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (bearerFrom(authorization)) return bearerPrincipal(authorization, headers.get(CLIENT_IP_HEADER) ?? "local");
  const session = sessionTokenFrom(headers.get("cookie"));
  if (session && (await isValidSession(session))) return { kind: "admin" };
  return null;
}
