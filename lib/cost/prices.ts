import { calcPrice } from "@pydantic/genai-prices";
import { singleton } from "../singleton";

/** USD per million tokens. */
export type Price = { input: number; cachedInput: number; output: number };

/** Token counts as OpenAI reports them: `prompt` includes `cached`; reasoning is part of `completion`. */
export type BilledTokens = { prompt: number | null; cached: number | null; completion: number | null };

const MILLION = 1_000_000;
const state = singleton("prices", () => ({ overrides: new Map<string, Price>(), bundled: new Map<string, Price | null>() }));

/**
 * The bundled table's price (@pydantic/genai-prices, shipped with the package and updated with
 * it: nothing is fetched at run time), read once per model name by pricing one million of each.
 */
function bundledPrice(model: string): Price | null {
  if (state.bundled.has(model)) return state.bundled.get(model) ?? null;
  const per = (usage: Record<string, number>) => calcPrice(usage, model, { providerId: "openai" })?.total_price ?? null;
  const input = per({ input_tokens: MILLION });
  const price =
    input === null
      ? null
      : { input, cachedInput: per({ input_tokens: MILLION, cache_read_tokens: MILLION }) ?? input, output: per({ output_tokens: MILLION }) ?? 0 };
  // Bounded: made-up model names cannot grow the cache without end.
  if (state.bundled.size < 10_000) state.bundled.set(model, price);
  return price;
}

/** The price a model is billed at: the admin's override, else the bundled table's; null when unknown. */
export function priceOf(model: string): Price | null {
  return state.overrides.get(model) ?? bundledPrice(model);
}

/** Replaces the overrides (from the Models page); later requests are priced with them, stored rows keep their cost. */
export function setPriceOverrides(overrides: ReadonlyMap<string, Price>): void {
  state.overrides = new Map(overrides);
}

/**
 * What a request cost in USD, as OpenAI bills it: uncached prompt tokens at the input price,
 * cached ones at the cached rate, completion tokens (reasoning included) at the output price.
 * Null when the model has no price or the answer reported no tokens.
 */
export function costOf(model: string | null, tokens: BilledTokens): number | null {
  if (model === null || (tokens.prompt === null && tokens.completion === null)) return null;
  const price = priceOf(model);
  if (!price) return null;
  const prompt = tokens.prompt ?? 0;
  const cached = Math.min(tokens.cached ?? 0, prompt);
  return ((prompt - cached) * price.input + cached * price.cachedInput + (tokens.completion ?? 0) * price.output) / MILLION;
}
