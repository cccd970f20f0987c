import { db } from "../db";
import { logError } from "../log";
import { priceOf } from "../cost/prices";
import { singleton } from "../singleton";

/** The catalogue is read again this often, besides after every change made through KeyPool. */
const REFRESH_MS = 5 * 60_000;
/** The label of a model KeyPool does not know: client-chosen names must not grow the series without end. */
const OTHER_MODEL = "other";
/** The label of a request that names no model (GET /v1/models, files). */
const NO_MODEL = "none";

const state = singleton("metricsKnownModels", () => ({ names: new Set<string>(), timer: null as NodeJS.Timeout | null }));

/** Reads the Models catalogue (enabled or not) into memory; labels are then decided without a query. */
export async function refreshKnownModels(): Promise<void> {
  try {
    const rows = await db.model.findMany({ select: { name: true } });
    state.names = new Set(rows.map((row) => row.name));
  } catch (error) {
    logError("could not read the model catalogue for metrics labels", error);
  }
}

/** At boot: the first read, then one every REFRESH_MS (changes made through KeyPool refresh at once). */
export async function loadKnownModels(): Promise<void> {
  await refreshKnownModels();
  state.timer ??= setInterval(() => void refreshKnownModels(), REFRESH_MS).unref();
}

/** A model's label: its own name when it is in the catalogue or has a price, else OTHER_MODEL. */
export function modelLabel(model: string | null): string {
  if (model === null) return NO_MODEL;
  return state.names.has(model) || priceOf(model) !== null ? model : OTHER_MODEL;
}
