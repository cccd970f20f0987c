import { isAdminKey } from "./admin";
import { isValidSession, sessionTokenFrom } from "./session";
import { tokenIdFor } from "../tokens/queries";

export type Principal = { kind: "admin" } | { kind: "client"; tokenId: number };

function bearerFrom(headers: Headers): string | null {
  const value = headers.get("authorization");
  const match = value ? /^Bearer\s+(.+)$/i.exec(value.trim()) : null;
  return match?.[1]?.trim() ?? null;
}

/** Who is calling: the admin (key or dashboard session), a client token, or nobody. */
export async function authenticate(headers: Headers): Promise<Principal | null> {
  const bearer = bearerFrom(headers);
  if (bearer) {
    if (isAdminKey(bearer)) return { kind: "admin" };
    const tokenId = await tokenIdFor(bearer);
    return tokenId === null ? null : { kind: "client", tokenId };
  }
  const session = sessionTokenFrom(headers.get("cookie"));
  if (session && (await isValidSession(session))) return { kind: "admin" };
  return null;
}
