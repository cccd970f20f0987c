import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { createModel, createModelSchema, listModels, listModelsQuery } from "@/lib/models/queries";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", query: listModelsQuery }, async ({ query }) =>
  json({ data: await listModels(query.enabled === undefined ? {} : { enabled: query.enabled === "true" }) }),
);

export const POST = route({ auth: "admin", body: createModelSchema }, async ({ body }) => json(await createModel(body), 201));
