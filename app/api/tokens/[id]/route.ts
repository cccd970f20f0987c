import { route } from "@/lib/http/route";
import { json, noContent } from "@/lib/http/respond";
import { idParams } from "@/lib/http/params";
import { revokeToken, updateToken, updateTokenSchema } from "@/lib/tokens/queries";

export const dynamic = "force-dynamic";

export const PATCH = route({ auth: "admin", params: idParams, body: updateTokenSchema }, async ({ params, body }) => json(await updateToken(params.id, body)));

export const DELETE = route({ auth: "admin", params: idParams }, async ({ params }) => {
  await revokeToken(params.id);
  return noContent();
});
