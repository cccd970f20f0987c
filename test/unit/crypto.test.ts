import { describe, expect, it } from "vitest";
import { decrypt, encrypt } from "@/lib/crypto/cipher";
import { safeEqual, sha256 } from "@/lib/crypto/hash";
import { maskKey, lastFour } from "@/lib/crypto/mask";
import { scrubKeys } from "@/lib/proxy/scrub";

const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789WXYZ";

describe("encryption at rest", () => {
  it("round-trips, with a fresh nonce every time", () => {
    const sealed = encrypt(key, "the secret");
    expect(sealed).not.toContain(key);
    expect(sealed).not.toBe(encrypt(key, "the secret"));
    expect(decrypt(sealed, "the secret")).toBe(key);
  });

  it("refuses a wrong secret or a tampered value", () => {
    const sealed = encrypt(key, "the secret");
    expect(() => decrypt(sealed, "another secret")).toThrow();
    const parts = sealed.split(".");
    const data = Buffer.from(parts[3] as string, "base64url");
    data[0] = (data[0] as number) ^ 1;
    expect(() => decrypt([parts[0], parts[1], parts[2], data.toString("base64url")].join("."), "the secret")).toThrow();
  });
});

describe("masking", () => {
  it("shows only the last four characters", () => {
    expect(maskKey(lastFour(key))).toBe("sk-...WXYZ");
  });

  it("scrubs key-shaped text out of upstream messages", () => {
    const message = `Incorrect API key provided: ${key}. You can find your API key at …`;
    expect(scrubKeys(message)).toBe("Incorrect API key provided: sk-...WXYZ. You can find your API key at …");
  });

  it("compares secrets by hash in constant time", () => {
    expect(safeEqual(sha256("a"), sha256("a"))).toBe(true);
    expect(safeEqual(sha256("a"), sha256("b"))).toBe(false);
    expect(safeEqual("short", "longer")).toBe(false);
  });
});
