import { route } from "@/lib/http/route";
import { noContent } from "@/lib/http/respond";
import { idParams } from "@/lib/http/params";
import { revokeToken } from "@/lib/tokens/queries";

export const dynamic = "force-dynamic";

export const DELETE = route({ auth: "admin", params: idParams }, async ({ params }) => {
  await revokeToken(params.id);
  return noContent();
});
