import { z } from "zod";
import { db } from "../db";
import { randomToken, sha256 } from "../crypto/hash";
import { singleton } from "../singleton";

const TOKEN_PREFIX = "kp-";
const VISIBLE_PREFIX = 10;

export const createTokenSchema = z.object({ name: z.string().trim().min(1, "name must not be empty").max(100) }).strict();

export const publicTokenSchema = z.object({
  id: z.number(),
  name: z.string(),
  prefix: z.string(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type PublicToken = z.infer<typeof publicTokenSchema>;

type TokenRow = { id: number; name: string; prefix: string; lastUsedAt: Date | null; createdAt: Date };

const toPublic = (row: TokenRow): PublicToken =>
  publicTokenSchema.parse({ ...row, lastUsedAt: row.lastUsedAt?.toISOString() ?? null, createdAt: row.createdAt.toISOString() });

// /v1 authenticates every call: token hashes are held in memory, loaded at boot and refreshed on every change.
const cache = singleton<{ byHash: Map<string, number> }>("tokens", () => ({ byHash: new Map() }));

export async function reloadTokens(): Promise<void> {
  const rows = await db.accessToken.findMany({ select: { id: true, hash: true } });
  cache.byHash = new Map(rows.map((row) => [row.hash, row.id]));
}

/** The token's id when the plaintext is a live client token. */
export function tokenIdFor(plaintext: string): number | null {
  return cache.byHash.get(sha256(plaintext)) ?? null;
}

export async function listTokens(): Promise<PublicToken[]> {
  const rows = await db.accessToken.findMany({ orderBy: { id: "desc" } });
  return rows.map(toPublic);
}

export async function createToken(name: string): Promise<PublicToken & { token: string }> {
  const token = randomToken(TOKEN_PREFIX, 24);
  const row = await db.accessToken.create({ data: { name, hash: sha256(token), prefix: token.slice(0, VISIBLE_PREFIX) } });
  await reloadTokens();
  return { ...toPublic(row), token };
}

export async function revokeToken(id: number): Promise<void> {
  await db.accessToken.delete({ where: { id } });
  await reloadTokens();
}
