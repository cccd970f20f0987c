import { describe, expect, it } from "vitest";
import { costOf, priceOf, setPriceOverrides } from "@/lib/cost/prices";

describe("cost", () => {
  it("bills uncached prompt tokens at the input price, cached ones at the cached rate, completion (reasoning included) at the output price", () => {
    const price = priceOf("gpt-4o-mini");
    expect(price).toEqual({ input: expect.any(Number), cachedInput: expect.any(Number), output: expect.any(Number) });
    expect(price?.cachedInput).toBeLessThan(price?.input ?? 0);
    const { input, cachedInput, output } = price as NonNullable<typeof price>;
    // 1000 prompt tokens of which 400 cached, 500 completion tokens of which 300 reasoning.
    expect(costOf("gpt-4o-mini", { prompt: 1000, cached: 400, completion: 500 })).toBeCloseTo((600 * input + 400 * cachedInput + 500 * output) / 1e6, 12);
    expect(costOf("gpt-4o-mini", { prompt: 1000, cached: null, completion: 0 })).toBeCloseTo((1000 * input) / 1e6, 12);
  });

  it("leaves a model without a price, or an answer without tokens, unpriced (null), never zero", () => {
    expect(priceOf("made-up-model-xyz")).toBeNull();
    expect(costOf("made-up-model-xyz", { prompt: 10, cached: null, completion: 10 })).toBeNull();
    expect(costOf("gpt-4o", { prompt: null, cached: null, completion: null })).toBeNull();
    expect(costOf(null, { prompt: 10, cached: null, completion: 10 })).toBeNull();
  });

  it("uses an override where the admin set one", () => {
    setPriceOverrides(new Map([["made-up-model-xyz", { input: 1, cachedInput: 0.5, output: 2 }]]));
    try {
      expect(costOf("made-up-model-xyz", { prompt: 1_000_000, cached: 200_000, completion: 1_000_000 })).toBeCloseTo(0.8 + 0.1 + 2, 9);
    } finally {
      setPriceOverrides(new Map());
    }
  });
});
