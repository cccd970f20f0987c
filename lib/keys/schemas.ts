import { z } from "zod";
import { KEY_STATUSES } from "./status";

/** Keys one call may add (a longer list or paste is refused whole). */
export const MAX_KEYS_PER_CALL = 10_000;

const keyString = z.string().trim().min(1, "key must not be empty").max(512);

export const createKeysSchema = z.union([
  z.object({ key: keyString, name: z.string().trim().max(100).optional() }).strict(),
  z
    .object({ keys: z.array(z.string().max(512)).min(1, "keys must list at least one key").max(MAX_KEYS_PER_CALL, `at most ${MAX_KEYS_PER_CALL} keys per call; nothing was added`) })
    .strict(),
  z.object({ text: z.string().min(1).max(2_000_000, "text is longer than 2,000,000 characters (about 10,000 keys); nothing was added: split the paste") }).strict(),
]);

export const updateKeySchema = z
  .object({
    name: z.string().trim().max(100).optional(),
    status: z.enum(["active", "disabled"]).optional(),
    /** Caps; null removes one. At a cap the key rests until the minute or the UTC day turns. */
    rpm: z.number().int().positive().max(1_000_000).nullable().optional(),
    dailyBudgetUsd: z.number().positive().max(10_000_000).nullable().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give name, status, rpm or dailyBudgetUsd to change");


export const publicKeySchema = z.object({
  id: z.number(),
  name: z.string(),
  maskedKey: z.string(),
  status: z.enum(KEY_STATUSES),
  coolingUntil: z.string().nullable(),
  lastError: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  lastCheckedAt: z.string().nullable(),
  /** How many models the key's project lists; null until its first model sync. */
  models: z.number().nullable(),
  /** What the upstream refused the key ("model:gpt-4o", "endpoint:files"); such requests skip it. */
  refused: z.array(z.string()),
  rpm: z.number().nullable(),
  dailyBudgetUsd: z.number().nullable(),
  /** While the key rests at one of its caps: when it returns, and which cap. */
  resting: z.object({ until: z.string(), reason: z.enum(["rpm", "dailyBudgetUsd"]) }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  usage: z.object({ requests: z.number(), errors: z.number(), promptTokens: z.number(), completionTokens: z.number() }),
});
export type PublicKey = z.infer<typeof publicKeySchema>;
