import { createHmac } from "node:crypto";
import { db } from "../db";
import { env } from "../env";
import { randomToken, safeEqual, sha256 } from "../crypto/hash";
import { secret } from "../crypto/secret";
import { singleton } from "../singleton";
import { logError, logInfo } from "../log";

const ADMIN_HASH_SETTING = "admin.keyHash";
const HMAC_PREFIX = "hmac-sha256:";
/**
 * `hash` is what is stored. `digest`, the key's plain SHA-256, is held in memory only, once the
 * key is known (configured, or matched once): checking a Bearer on /v1 then costs the one hash the
 * token lookup already made, instead of an HMAC per request.
 */
const state = singleton<{ hash: string | null; digest: string | null }>("adminKey", () => ({ hash: null, digest: null }));

/**
 * The stored form of the admin key: an HMAC under KEYPOOL_SECRET, so a copy of the database
 * alone cannot be used to try guesses offline (and checking a Bearer stays cheap on /v1).
 */
function adminHash(key: string): string {
  return `${HMAC_PREFIX}${createHmac("sha256", secret()).update(key).digest("hex")}`;
}

/** Earlier versions kept a plain SHA-256; such a hash still names the same key. */
function sameKey(stored: string, key: string): boolean {
  return stored.startsWith(HMAC_PREFIX) ? safeEqual(stored, adminHash(key)) : safeEqual(stored, sha256(key));
}

async function storeHash(hash: string): Promise<void> {
  await db.setting.upsert({ where: { key: ADMIN_HASH_SETTING }, create: { key: ADMIN_HASH_SETTING, value: hash }, update: { value: hash } });
}

/**
 * ADMIN_KEY when set; otherwise the key generated at first start, printed once. Only its HMAC
 * is kept, in memory and in the Setting table. A different ADMIN_KEY ends every session.
 */
export async function ensureAdminKey(): Promise<void> {
  const configured = env().ADMIN_KEY;
  const stored = (await db.setting.findUnique({ where: { key: ADMIN_HASH_SETTING } }))?.value;
  if (!configured && stored) {
    state.hash = stored;
    state.digest = null;
    return;
  }
  let key = configured;
  if (!key) {
    key = randomToken("kp-admin-", 24);
    // Printed once, on purpose: it is the only way to learn a generated admin key.
    logInfo(`KeyPool admin key (shown only this once, store it now): ${key}`, { hint: "Set ADMIN_KEY to choose your own." });
  }
  const hash = adminHash(key);
  if (stored !== hash) {
    const changed = stored !== undefined && !sameKey(stored, key);
    await storeHash(hash);
    if (changed) {
      const { count } = await db.session.deleteMany({});
      logInfo("admin key changed to the one in ADMIN_KEY: every dashboard session ended", { sessionsEnded: count });
    }
  }
  state.hash = hash;
  state.digest = sha256(key);
}

/** `digest`: the candidate's SHA-256, when the caller has it already. */
export function isAdminKey(candidate: string, digest = sha256(candidate)): boolean {
  if (state.digest !== null) return safeEqual(digest, state.digest);
  const stored = state.hash;
  if (stored === null || !sameKey(stored, candidate)) return false;
  state.digest = digest;
  // A hash from an earlier version is replaced once the key is known.
  if (!stored.startsWith(HMAC_PREFIX)) {
    state.hash = adminHash(candidate);
    storeHash(state.hash).catch((error: unknown) => logError("could not store the admin key's new hash", error));
  }
  return true;
}
