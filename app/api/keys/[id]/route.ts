import { route } from "@/lib/http/route";
import { json, noContent } from "@/lib/http/respond";
import { deleteKey, getKey, updateKey } from "@/lib/keys/queries";
import { idParam } from "@/lib/http/params";
import { updateKeySchema } from "@/lib/keys/schemas";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async ({ params }) => json(await getKey(idParam.parse(params.id))));

export const PUT = route({ auth: "admin", body: updateKeySchema }, async ({ params, body }) =>
  json(await updateKey(idParam.parse(params.id), body)),
);

export const DELETE = route({ auth: "admin" }, async ({ params }) => {
  await deleteKey(idParam.parse(params.id));
  return noContent();
});
