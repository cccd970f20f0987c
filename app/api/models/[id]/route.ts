import { route } from "@/lib/http/route";
import { json, noContent } from "@/lib/http/respond";
import { idParam } from "@/lib/http/params";
import { deleteModel, updateModel, updateModelSchema } from "@/lib/models/queries";

export const dynamic = "force-dynamic";

export const PUT = route({ auth: "admin", body: updateModelSchema }, async ({ params, body }) =>
  json(await updateModel(idParam.parse(params.id), body)),
);

export const DELETE = route({ auth: "admin" }, async ({ params }) => {
  await deleteModel(idParam.parse(params.id));
  return noContent();
});
