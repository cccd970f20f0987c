import { db } from "../db";
import { env } from "../env";
import { ApiError } from "../http/errors";
import { logError, logInfo } from "../log";
import { singleton } from "../singleton";
import { forgetRefusals, modelSet } from "../keys/capabilities";
import { currentKeys, markKey, poolKey } from "../keys/pool";
import type { PoolKey } from "../keys/status";
import { keyVerdictOf } from "../keys/verdict";
import { scrubKeys } from "../proxy/scrub";
import { upstreamClient } from "../upstream-client";
import { guessCapabilities } from "./capabilities";
import { refreshKnownModels } from "../metrics/known-models";

type UpstreamModel = { id: string; owned_by?: string };
export type SyncResult = { added: number; updated: number; total: number; keys: { synced: number; failed: number } };

/** Keys listed at once; a large pool is walked a few at a time, not all in one burst. */
const CONCURRENCY = 4;

type Listed = { key: PoolKey; models: UpstreamModel[] } | { key: PoolKey; error: string };

async function listWith(key: PoolKey): Promise<Listed> {
  try {
    const models: UpstreamModel[] = [];
    for await (const model of upstreamClient(key.apiKey).models.list()) models.push(model);
    return { key, models };
  } catch (error) {
    const message = scrubKeys(error instanceof Error ? error.message : String(error), key.apiKey).slice(0, 500);
    const verdict = keyVerdictOf(error);
    if (verdict) markKey(key.id, verdict.status, verdict.coolingUntil, message);
    return { key, error: message };
  }
}

/** Stores which models the key sees, and uses them for routing at once. */
async function recordKeyModels(key: PoolKey, models: readonly UpstreamModel[]): Promise<void> {
  const names = [...new Set(models.map((model) => model.id))];
  await db.$transaction([
    db.keyModel.deleteMany({ where: { keyId: key.id } }),
    db.keyModel.createMany({ data: names.map((model) => ({ keyId: key.id, model })) }),
    db.key.updateMany({ where: { id: key.id }, data: { modelsSyncedAt: new Date() } }),
  ]);
  const current = poolKey(key.id);
  if (!current) return;
  current.models = modelSet(names);
  // The fresh list is what the key may use now; a model refused before is tried again.
  forgetRefusals(current, "model:");
}

async function listAll(keys: readonly PoolKey[]): Promise<Listed[]> {
  const results: Listed[] = [];
  let next = 0;
  const lane = async () => {
    while (next < keys.length) {
      const key = keys[next++] as PoolKey;
      const listed = await listWith(key);
      if ("models" in listed) await recordKeyModels(key, listed.models);
      results.push(listed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, keys.length) }, lane));
  return results;
}

/** Names new to the catalogue are added; names already known keep their edited description, capabilities and switch. */
async function mergeCatalogue(upstream: readonly UpstreamModel[]): Promise<{ added: number; updated: number }> {
  const byName = new Map(upstream.map((model) => [model.id, model]));
  const known = new Set((await db.model.findMany({ select: { name: true } })).map((row) => row.name));
  const fresh = [...byName.values()].filter((model) => !known.has(model.id));
  const seen = [...byName.values()].filter((model) => known.has(model.id));
  await db.$transaction([
    ...fresh.map((model) =>
      db.model.create({ data: { name: model.id, ownedBy: model.owned_by ?? null, source: "upstream", capabilities: JSON.stringify(guessCapabilities(model.id)) } }),
    ),
    ...seen.map((model) => db.model.update({ where: { name: model.id }, data: { ownedBy: model.owned_by ?? null } })),
  ]);
  return { added: fresh.length, updated: seen.length };
}

/** Keys worth asking: an invalid key would only fail, a disabled one is the admin's to leave alone. */
function listableKeys(ids?: ReadonlySet<number>): PoolKey[] {
  return currentKeys().filter((key) => key.status !== "disabled" && key.status !== "invalid" && (!ids || ids.has(key.id)));
}

async function sync(keys: readonly PoolKey[]): Promise<SyncResult> {
  if (keys.length === 0) throw new ApiError(503, "server_error", "sync_failed", "No key to list models with: add a key, or re-enable one, first.");
  const listed = await listAll(keys);
  const failures = listed.filter((entry) => "error" in entry);
  const models = listed.flatMap((entry) => ("models" in entry ? entry.models : []));
  if (failures.length === listed.length) {
    const last = failures.at(-1);
    throw new ApiError(503, "server_error", "sync_failed", `Could not fetch the model list upstream: ${last && "error" in last ? last.error : "no answer"}`);
  }
  const { added, updated } = await mergeCatalogue(models);
  if (added > 0) await refreshKnownModels();
  return { added, updated, total: added + updated, keys: { synced: listed.length - failures.length, failed: failures.length } };
}

const state = singleton<{ running: Promise<SyncResult> | null }>("modelSync", () => ({ running: null }));

/**
 * Lists the models every usable key sees: the catalogue gains new names and each key records
 * its own list, so requests for a model go only to keys whose project has it. One sync at a time.
 */
export function syncModels(): Promise<SyncResult> {
  state.running ??= sync(listableKeys()).finally(() => {
    state.running = null;
  });
  return state.running;
}

/** Lists models with keys just added, off the request that added them: models appear without a press on "Sync". */
export function syncNewKeys(ids: readonly number[]): void {
  if (env().MODEL_SYNC_SECONDS === 0 || ids.length === 0) return;
  void sync(listableKeys(new Set(ids)))
    .then((result) => logInfo("models synced for new keys", result))
    .catch((error: unknown) => logError("could not sync models for new keys", error));
}

/** At start when keys exist, then every MODEL_SYNC_SECONDS (0 = only by hand). */
export function scheduleModelSync(): void {
  const seconds = env().MODEL_SYNC_SECONDS;
  if (seconds === 0) return;
  const run = () =>
    void syncModels()
      .then((result) => logInfo("models synced", result))
      .catch((error: unknown) => logError("could not sync models", error));
  singleton("modelSyncTimer", () => {
    if (listableKeys().length > 0) setTimeout(run, 0).unref();
    return setInterval(run, seconds * 1000).unref();
  });
}
