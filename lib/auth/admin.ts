import { db } from "../db";
import { env } from "../env";
import { randomToken, safeEqual, sha256 } from "../crypto/hash";
import { singleton } from "../singleton";
import { logInfo } from "../log";

const ADMIN_HASH_SETTING = "admin.keyHash";
const state = singleton<{ hash: string | null }>("adminKey", () => ({ hash: null }));

/**
 * ADMIN_KEY when set; otherwise the key generated at first start, printed once.
 * Only its SHA-256 is kept, in memory and in the Setting table.
 */
export async function ensureAdminKey(): Promise<void> {
  const configured = env().ADMIN_KEY;
  const stored = await db.setting.findUnique({ where: { key: ADMIN_HASH_SETTING } });
  let hash = configured ? sha256(configured) : stored?.value;
  if (!hash) {
    const generated = randomToken("kp-admin-", 24);
    hash = sha256(generated);
    // Printed once, on purpose: it is the only way to learn a generated admin key.
    logInfo(`KeyPool admin key (shown only this once, store it now): ${generated}`, { hint: "Set ADMIN_KEY to choose your own." });
  }
  if (stored?.value !== hash) {
    await db.setting.upsert({ where: { key: ADMIN_HASH_SETTING }, create: { key: ADMIN_HASH_SETTING, value: hash }, update: { value: hash } });
    if (stored) logInfo("admin key changed to the one in ADMIN_KEY");
  }
  state.hash = hash;
}

export function isAdminKey(candidate: string): boolean {
  return state.hash !== null && safeEqual(sha256(candidate), state.hash);
}
