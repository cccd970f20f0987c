import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1";

function keyFrom(secret: string): Buffer {
  return createHash("sha256").update(`keypool:${secret}`).digest();
}

/** AES-256-GCM with a fresh nonce per value: "v1.<nonce>.<tag>.<ciphertext>", base64url parts. */
export function encrypt(plaintext: string, secret: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(secret), nonce);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, nonce, cipher.getAuthTag(), data].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
}

export function decrypt(sealed: string, secret: string): string {
  const [version, nonce, tag, data] = sealed.split(".");
  if (version !== VERSION || !nonce || !tag || data === undefined) throw new Error("Unrecognised ciphertext format");
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(secret), Buffer.from(nonce, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}
