import { route } from "@/lib/http/route";
import { json, noContent } from "@/lib/http/respond";
import { idParams } from "@/lib/http/params";
import { deleteModel, updateModel, updateModelSchema } from "@/lib/models/queries";

export const dynamic = "force-dynamic";

export const PUT = route({ auth: "admin", params: idParams, body: updateModelSchema }, async ({ params, body }) =>
  json(await updateModel(params.id, body)),
);

export const DELETE = route({ auth: "admin", params: idParams }, async ({ params }) => {
  await deleteModel(params.id);
  return noContent();
});
