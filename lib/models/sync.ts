import { db } from "../db";
import { ApiError } from "../http/errors";
import { markKey } from "../keys/pool";
import { keyVerdictOf } from "../keys/verdict";
import { pickKey } from "../rotation/rotator";
import { scrubKeys } from "../proxy/scrub";
import { upstreamClient } from "../upstream-client";
import { guessCapabilities } from "./capabilities";

type UpstreamModel = { id: string; owned_by?: string };
export type SyncResult = { added: number; updated: number; total: number };

const MAX_KEYS_TRIED = 3;

async function fetchUpstreamModels(): Promise<UpstreamModel[]> {
  const tried = new Set<number>();
  let lastError = "no usable upstream key";
  for (let attempt = 0; attempt < MAX_KEYS_TRIED; attempt += 1) {
    const key = pickKey(tried);
    if (!key || tried.has(key.id)) break;
    tried.add(key.id);
    try {
      const models: UpstreamModel[] = [];
      for await (const model of upstreamClient(key.apiKey).models.list()) models.push(model);
      return models;
    } catch (error) {
      lastError = scrubKeys(error instanceof Error ? error.message : String(error));
      const verdict = keyVerdictOf(error);
      if (verdict) markKey(key.id, verdict.status, verdict.coolingUntil, lastError.slice(0, 500));
    }
  }
  throw new ApiError(503, "server_error", "sync_failed", `Could not fetch the model list upstream: ${lastError}`);
}

/** Brings in the upstream list; names already known keep their edited description, capabilities and switch. */
export async function syncModels(): Promise<SyncResult> {
  const upstream = await fetchUpstreamModels();
  const known = new Set((await db.model.findMany({ select: { name: true } })).map((row) => row.name));
  const fresh = upstream.filter((model) => !known.has(model.id));
  await db.$transaction([
    ...fresh.map((model) =>
      db.model.create({
        data: { name: model.id, ownedBy: model.owned_by ?? null, source: "upstream", capabilities: JSON.stringify(guessCapabilities(model.id)) },
      }),
    ),
    ...upstream
      .filter((model) => known.has(model.id))
      .map((model) => db.model.update({ where: { name: model.id }, data: { ownedBy: model.owned_by ?? null } })),
  ]);
  return { added: fresh.length, updated: upstream.length - fresh.length, total: upstream.length };
}
