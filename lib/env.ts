import path from "node:path";
import { z } from "zod";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.union([z.ipv4(), z.ipv6(), z.hostname()], { error: "HOST must be an IP address or a host name, such as 0.0.0.0 or 127.0.0.1" }).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^file:/, "DATABASE_URL must be a SQLite file URL such as file:./data/keypool.db")
    .default("file:./data/keypool.db"),
  OPENAI_BASE_URL: z.url().default("https://api.openai.com/v1"),
  ADMIN_KEY: z.string().min(16, "ADMIN_KEY must be at least 16 characters (a long random string: it guards every key)").optional(),
  KEYPOOL_SECRET: z.string().min(16, "KEYPOOL_SECRET must be at least 16 characters").optional(),
  /** A second Bearer for GET /metrics, so a Prometheus server need not hold the admin key. */
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters (a long random string)").optional(),
  UPSTREAM_TIMEOUT_MS: positiveInt(300_000),
  UPSTREAM_IDLE_TIMEOUT_MS: positiveInt(300_000),
  MAX_RETRIES: z.coerce.number().int().min(0).max(9).default(3),
  COOLDOWN_SECONDS: positiveInt(60),
  KEY_RECHECK_SECONDS: z.coerce.number().int().min(0).default(1800),
  MODEL_SYNC_SECONDS: z.coerce.number().int().min(0).default(21_600),
  MAX_BODY_BYTES: positiveInt(25 * 1024 * 1024),
  LOG_BODIES: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((value) => value === "true" || value === "1"),
  LOG_BODY_MAX_BYTES: positiveInt(64 * 1024),
  LOG_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  /** Request and response bodies may be kept for less time than the rest of a row; unset = LOG_RETENTION_DAYS. */
  LOG_BODY_RETENTION_DAYS: z.coerce.number().int().min(0).optional(),
  SESSION_TTL_HOURS: positiveInt(24 * 7),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(15_000),
  /** Reverse proxies in front of KeyPool whose X-Forwarded-For is believed: "true" = 1, "false" = 0. */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, "TRUST_PROXY must be true, false or the number of reverse proxies in front of KeyPool")
    .default("false")
    .transform((value) => (value === "true" ? 1 : value === "false" ? 0 : Number(value))),
  AFFINITY: z.enum(["none", "prompt_cache_key"]).default("none"),
});

/** Every variable KeyPool reads; the README's configuration table lists each (a unit test checks). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

export type Env = z.infer<typeof envSchema> & { databasePath: string; dataDir: string };

function load(): Env {
  // "ADMIN_KEY=" in a compose file means unset, not an empty key.
  const given = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ""));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid configuration: ${detail}`);
  }
  const databasePath = path.resolve(parsed.data.DATABASE_URL.slice("file:".length));
  return {
    ...parsed.data,
    OPENAI_BASE_URL: parsed.data.OPENAI_BASE_URL.replace(/\/+$/, ""),
    databasePath,
    dataDir: path.dirname(databasePath),
  };
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= load();
  return cached;
}
