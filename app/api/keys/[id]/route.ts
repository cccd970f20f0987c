import { route } from "@/lib/http/route";
import { json, noContent } from "@/lib/http/respond";
import { deleteKey, getKey, updateKey } from "@/lib/keys/queries";
import { idParams } from "@/lib/http/params";
import { updateKeySchema } from "@/lib/keys/schemas";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", params: idParams }, async ({ params }) => json(await getKey(params.id)));

/** PATCH and PUT alike: only the fields given change. */
export const PATCH = route({ auth: "admin", params: idParams, body: updateKeySchema }, async ({ params, body }) => json(await updateKey(params.id, body)));
export const PUT = PATCH;

export const DELETE = route({ auth: "admin", params: idParams }, async ({ params }) => {
  await deleteKey(params.id);
  return noContent();
});
