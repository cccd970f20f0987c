import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { env } from "../env";
import { singleton } from "../singleton";
import { logInfo } from "../log";

const SECRET_FILE = "keypool.secret";

function loadOrCreate(): string {
  const configured = env().KEYPOOL_SECRET;
  if (configured) return configured;
  const file = path.join(env().dataDir, SECRET_FILE);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  fs.mkdirSync(env().dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  // "wx" fails if another process created it first; then that one's secret wins.
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw error;
  }
  logInfo(`Generated KEYPOOL_SECRET into ${file}; back it up together with the database.`);
  return secret;
}

/** The secret that encrypts upstream keys at rest (KEYPOOL_SECRET, else a 0600 file beside the database). */
export function secret(): string {
  return singleton("secret", loadOrCreate);
}
