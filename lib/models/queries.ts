import { z } from "zod";
import { db } from "../db";
import { notFound } from "../http/errors";
import { sumsOf } from "../usage/sums";
import { priceOf, setPriceOverrides, type Price } from "../cost/prices";
import { refreshKnownModels } from "../metrics/known-models";

const capabilityList = z.array(z.string().trim().min(1).max(40)).max(20);

export const createModelSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    capabilities: capabilityList.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const usdPerMillion = z.number().min(0).max(100_000);

export const updateModelSchema = z
  .object({
    description: z.string().max(2000).optional(),
    capabilities: capabilityList.optional(),
    enabled: z.boolean().optional(),
    /** USD per million tokens, overriding the bundled price table for later requests; null goes back to the table. */
    price: z.object({ input: usdPerMillion, cachedInput: usdPerMillion.optional(), output: usdPerMillion }).strict().nullable().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give description, capabilities, enabled or price to change");

export const listModelsQuery = z.object({ enabled: z.enum(["true", "false"]).optional() });

export type PublicModel = {
  id: number;
  name: string;
  description: string;
  capabilities: string[];
  enabled: boolean;
  source: string;
  ownedBy: string | null;
  createdAt: string;
  updatedAt: string;
  usage: { requests: number; errors: number; promptTokens: number; completionTokens: number; lastUsedAt: string | null };
  /** USD per million tokens the model is billed at; null when neither the table nor an override prices it. */
  price: (Price & { source: "override" | "bundled" }) | null;
};

type ModelRow = {
  id: number; name: string; description: string; capabilities: string; enabled: boolean; source: string; ownedBy: string | null;
  inputPrice: number | null; cachedInputPrice: number | null; outputPrice: number | null; createdAt: Date; updatedAt: Date;
};

function overrideOf(row: Pick<ModelRow, "inputPrice" | "cachedInputPrice" | "outputPrice">): Price | null {
  if (row.inputPrice === null || row.outputPrice === null) return null;
  return { input: row.inputPrice, cachedInput: row.cachedInputPrice ?? row.inputPrice, output: row.outputPrice };
}

function priceView(row: ModelRow): PublicModel["price"] {
  const override = overrideOf(row);
  if (override) return { ...override, source: "override" };
  const bundled = priceOf(row.name);
  return bundled ? { ...bundled, source: "bundled" } : null;
}

/** The admin's price overrides into the pricing of later requests; at start and after every change. */
export async function loadPriceOverrides(): Promise<void> {
  const rows = await db.model.findMany({ where: { inputPrice: { not: null }, outputPrice: { not: null } }, select: { name: true, inputPrice: true, cachedInputPrice: true, outputPrice: true } });
  setPriceOverrides(new Map(rows.flatMap((row) => {
    const price = overrideOf(row);
    return price ? [[row.name, price] as const] : [];
  })));
}

function parseCapabilities(stored: string): string[] {
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}

const NO_USAGE: PublicModel["usage"] = { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, lastUsedAt: null };

function toPublic(row: ModelRow, usage: PublicModel["usage"] = NO_USAGE): PublicModel {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    capabilities: parseCapabilities(row.capabilities),
    enabled: row.enabled,
    source: row.source,
    ownedBy: row.ownedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    usage,
    price: priceView(row),
  };
}

export async function listModels(filter: { enabled?: boolean } = {}): Promise<PublicModel[]> {
  const [rows, usage] = await Promise.all([
    db.model.findMany({ where: filter.enabled === undefined ? {} : { enabled: filter.enabled }, orderBy: { name: "asc" } }),
    db.usageStat.groupBy({ by: ["model"], _sum: { requests: true, errors: true, promptTokens: true, completionTokens: true }, _max: { lastUsedAt: true } }),
  ]);
  const byModel = new Map(
    usage.map((row) => [row.model, { ...sumsOf(row._sum), lastUsedAt: row._max.lastUsedAt?.toISOString() ?? null }]),
  );
  return rows.map((row) => toPublic(row, byModel.get(row.name)));
}

export async function createModel(input: z.infer<typeof createModelSchema>): Promise<PublicModel> {
  const row = await db.model.create({
    data: {
      name: input.name,
      description: input.description ?? "",
      capabilities: JSON.stringify(input.capabilities ?? []),
      enabled: input.enabled ?? true,
      source: "manual",
    },
  });
  await refreshKnownModels();
  return toPublic(row);
}

export async function updateModel(id: number, changes: z.infer<typeof updateModelSchema>): Promise<PublicModel> {
  const exists = await db.model.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw notFound(`No model with id ${id}.`);
  const row = await db.model.update({
    where: { id },
    data: {
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.capabilities !== undefined ? { capabilities: JSON.stringify(changes.capabilities) } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.price !== undefined
        ? { inputPrice: changes.price?.input ?? null, cachedInputPrice: changes.price?.cachedInput ?? null, outputPrice: changes.price?.output ?? null }
        : {}),
    },
  });
  if (changes.price !== undefined) await loadPriceOverrides();
  return toPublic(row);
}

export async function deleteModel(id: number): Promise<void> {
  await db.model.delete({ where: { id } });
  await loadPriceOverrides();
  await refreshKnownModels();
}
