import { nowMs } from "../clock";
import { env } from "../env";
import { maskKey } from "../crypto/mask";
import { ApiError } from "../http/errors";
import { currentKeys } from "../keys/pool";
import { isEligible, type PoolKey } from "../keys/status";
import { rendezvous } from "./affinity";
import { boundKeyId, hasBindings } from "./bindings";
import { bodyIds, mayNameObjects, pathIds } from "./ids";

/**
 * How a request's key is chosen: by rotation; only by the key that created an object it names
 * (other keys belong to other projects and answer 404, so there is no retry on them); only by the
 * key the admin chose to try; first by the key its prompt_cache_key hashes to; or not at all, with
 * the reason.
 */
export type StickyRoute =
  | { kind: "rotate" }
  | { kind: "pinned"; key: PoolKey; objectId: string }
  | { kind: "chosen"; key: PoolKey }
  | { kind: "preferred"; cacheKey: string }
  | { kind: "refuse"; error: ApiError };

const ROTATE: StickyRoute = { kind: "rotate" };

export function stickyRoute(path: string, body: Record<string, unknown> | null, text: string | null): StickyRoute {
  if (hasBindings()) {
    const pinned = pinnedRoute(path, body && text !== null && mayNameObjects(text) ? body : null);
    if (pinned) return pinned;
  }
  const cacheKey = body?.prompt_cache_key;
  if (typeof cacheKey === "string" && cacheKey !== "" && env().AFFINITY === "prompt_cache_key") return { kind: "preferred", cacheKey };
  return ROTATE;
}

/**
 * The key to try next when the route decides it; `undefined` leaves it to rotation. A pinned or
 * chosen request gets its key once, and then no other.
 */
export function stickyKey(route: StickyRoute, tried: ReadonlySet<number>, accepts?: (key: PoolKey) => boolean): PoolKey | null | undefined {
  if (route.kind === "pinned" || route.kind === "chosen") return tried.has(route.key.id) ? null : route.key;
  if (route.kind !== "preferred" || tried.size > 0) return undefined;
  const now = nowMs();
  const eligible = currentKeys().filter((key) => isEligible(key, now) && (accepts?.(key) ?? true));
  const id = rendezvous(route.cacheKey, eligible.map((key) => key.id));
  return eligible.find((key) => key.id === id);
}

/** Why a pinned request's key, which has just refused it or been taken out of rotation, cannot serve it now. */
export function pinnedRefusal(route: Extract<StickyRoute, { kind: "pinned" }>): Refusal {
  const key = currentKeys().find((candidate) => candidate.id === route.key.id);
  if (!key) return deleted(route.objectId, route.key.id);
  return refusal(route.objectId, key, nowMs()) ?? unavailable(route.objectId, describe(key), "cannot serve it now", "Retry later.");
}

/**
 * The key the admin named (the playground's "Try"), whatever its status: testing a disabled,
 * invalid, exhausted or cooling key is the point, and only the admin API can choose a key.
 */
export function chosenRoute(keyId: number): StickyRoute {
  const key = currentKeys().find((candidate) => candidate.id === keyId);
  if (!key) return { kind: "refuse", error: new ApiError(404, "invalid_request_error", "key_not_found", `No key with id ${keyId} in KeyPool.`, "keyId") };
  return { kind: "chosen", key };
}

function pinnedRoute(path: string, body: Record<string, unknown> | null): StickyRoute | null {
  let found: { objectId: string; keyId: number } | null = null;
  for (const objectId of body ? [...pathIds(path), ...bodyIds(body)] : pathIds(path)) {
    const keyId = boundKeyId(objectId);
    if (keyId === undefined) continue;
    if (found && found.keyId !== keyId) return mixedKeys(found, { objectId, keyId });
    found ??= { objectId, keyId };
  }
  if (!found) return null;
  const key = currentKeys().find((candidate) => candidate.id === found.keyId);
  if (!key) return deleted(found.objectId, found.keyId);
  return refusal(found.objectId, key, nowMs()) ?? { kind: "pinned", key, objectId: found.objectId };
}

const describe = (key: PoolKey) => `key #${key.id} (${key.name ? `${key.name}, ` : ""}${maskKey(key.last4)})`;

export type Refusal = Extract<StickyRoute, { kind: "refuse" }>;

function deleted(objectId: string, keyId: number): Refusal {
  const message = `${objectId} was created with key #${keyId}, which has been deleted from KeyPool; no other key can reach it (each key is its own OpenAI project). Recreate the object.`;
  return { kind: "refuse", error: new ApiError(410, "invalid_request_error", "bound_key_deleted", message) };
}

/** Null when the key can take the request. */
function refusal(objectId: string, key: PoolKey, now: number): Refusal | null {
  if (isEligible(key, now)) return null;
  const named = describe(key);
  switch (key.status) {
    case "disabled":
      return unavailable(objectId, named, "is disabled", "Re-enable it in the KeyPool dashboard, or recreate the object.");
    case "invalid":
      return unavailable(objectId, named, "is invalid (the upstream refuses it)", "Fix or re-enable that key, or recreate the object.");
    case "exhausted":
      return unavailable(objectId, named, "has exhausted its quota", "Top up its project's billing and re-enable it, or recreate the object.");
    default: {
      const seconds = key.coolingUntil ? Math.max(1, Math.ceil((key.coolingUntil.getTime() - now) / 1000)) : 1;
      return unavailable(objectId, named, `is resting after a rate limit for ${seconds} s more`, "Retry after that.", "bound_key_cooling", seconds);
    }
  }
}

function unavailable(objectId: string, named: string, state: string, remedy: string, code = "bound_key_unavailable", retryAfterS: number | null = null): Refusal {
  const message = `${objectId} was created with ${named}, which ${state}; only that key can reach it (each key is its own OpenAI project). ${remedy}`;
  return { kind: "refuse", error: new ApiError(503, "server_error", code, message, null, retryAfterS) };
}

function mixedKeys(first: { objectId: string; keyId: number }, second: { objectId: string; keyId: number }): Refusal {
  const message = `${first.objectId} was created with key #${first.keyId} and ${second.objectId} with key #${second.keyId}; objects of different OpenAI projects cannot be used together. Recreate them with one key.`;
  return { kind: "refuse", error: new ApiError(400, "invalid_request_error", "objects_on_different_keys", message) };
}
