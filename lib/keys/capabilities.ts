import { ApiError } from "../http/errors";
import { singleton } from "../singleton";
import { recordKeyUpdate } from "../usage/request-log";
import type { PoolKey, Refusal } from "./status";

/** What a request needs of a key: the model it names (on endpoints that take a listed model) and its endpoint. */
export type Need = { model: string | null; endpoint: string };

// Endpoints whose `model` is one of the ids GET /v1/models lists (fine-tuning names base snapshots, batches none).
const LISTED_MODEL_ENDPOINTS = new Set(["chat", "completions", "embeddings", "responses", "audio", "images", "moderations"]);
/** Learned model refusals per key: a client that invents model names must not grow the table without bound. */
const MAX_MODEL_REFUSALS = 100;

const modelNames = singleton("modelNames", () => new Map<string, string>());

/**
 * A key's model list, its names shared with every other key's: a large pool whose keys list the
 * same hundred models holds each name once, not once per key.
 */
export function modelSet(names: Iterable<string>): ReadonlySet<string> {
  const set = new Set<string>();
  for (const name of names) {
    let shared = modelNames.get(name);
    if (shared === undefined) {
      shared = name;
      modelNames.set(name, name);
    }
    set.add(shared);
  }
  return set;
}

/** The endpoint family a scope covers: the path's first segment ("chat" for chat/completions, "files", …). */
function endpointOf(path: string): string {
  const slash = path.indexOf("/");
  return slash === -1 ? path : path.slice(0, slash);
}

export function needOf(path: string, model: string | null): Need {
  const endpoint = endpointOf(path);
  return { endpoint, model: model !== null && LISTED_MODEL_ENDPOINTS.has(endpoint) ? model : null };
}

/** A key can take the request unless it lacks the endpoint's scope or the model (skipped keys are not blamed). */
export function canServe(key: PoolKey, need: Need): boolean {
  if (key.refusals.has(`endpoint:${need.endpoint}`)) return false;
  if (need.model === null) return true;
  if (key.refusals.has(`model:${need.model}`)) return false;
  return key.models === null || key.models.has(need.model);
}

/**
 * OpenAI's own answer when no key in the pool (whatever its status) may serve the request, so
 * the client hears it at once instead of after a walk through the pool; null when some key may.
 */
export function refusalForAll(keys: readonly PoolKey[], need: Need): ApiError | null {
  if (keys.length === 0 || keys.some((key) => canServe(key, need))) return null;
  if (keys.every((key) => key.refusals.has(`endpoint:${need.endpoint}`))) {
    const seen = keys[0]?.refusals.get(`endpoint:${need.endpoint}`);
    return new ApiError(
      seen?.status ?? 401,
      "invalid_request_error",
      "insufficient_permissions",
      `${seen?.message ?? "You have insufficient permissions for this operation."} (No key in the KeyPool pool may use /v1/${need.endpoint}; the upstream refused each of them. Press "Check" on a key whose permissions changed.)`,
    );
  }
  return new ApiError(404, "invalid_request_error", "model_not_found", `The model \`${need.model}\` does not exist or you do not have access to it.`);
}

/** What refused an attempt, as remembered for the key; null for refusals that say nothing about the key (a region). */
export function refusalSubject(lacks: "model" | "scope" | null, need: Need): string | null {
  if (lacks === "scope") return `endpoint:${need.endpoint}`;
  if (lacks === "model" && need.model !== null) return `model:${need.model}`;
  return null;
}

/** Remembers that the upstream refused `subject` to this key: in memory at once, stored off the request's path. */
export function learnRefusal(key: PoolKey, subject: string, status: number, message: string): void {
  if (key.refusals.has(subject)) return;
  const models = [...key.refusals.keys()].filter((name) => name.startsWith("model:"));
  if (subject.startsWith("model:") && models.length >= MAX_MODEL_REFUSALS) key.refusals.delete(models[0] as string);
  key.refusals.set(subject, { status, message: message.slice(0, 500), at: new Date().toISOString() });
  storeRefusals(key);
}

/** Forgets refusals (all, or those whose subject starts with `prefix`), after a check or a sync learned anew. */
export function forgetRefusals(key: PoolKey, prefix = ""): void {
  const before = key.refusals.size;
  for (const subject of key.refusals.keys()) if (subject.startsWith(prefix)) key.refusals.delete(subject);
  if (key.refusals.size !== before) storeRefusals(key);
}

function storeRefusals(key: PoolKey): void {
  recordKeyUpdate(key.id, { refusals: JSON.stringify(Object.fromEntries(key.refusals)) });
}

/** The stored refusals column; anything unreadable is forgotten rather than trusted. */
export function parseRefusals(stored: string): Map<string, Refusal> {
  try {
    const parsed: unknown = JSON.parse(stored);
    if (!parsed || typeof parsed !== "object") return new Map();
    return new Map(
      Object.entries(parsed as Record<string, Refusal>).filter(
        ([, value]) => typeof value?.status === "number" && typeof value.message === "string" && typeof value.at === "string",
      ),
    );
  } catch {
    return new Map();
  }
}
