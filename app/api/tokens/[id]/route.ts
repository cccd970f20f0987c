import { route } from "@/lib/http/route";
import { noContent } from "@/lib/http/respond";
import { idParam } from "@/lib/http/params";
import { revokeToken } from "@/lib/tokens/queries";

export const dynamic = "force-dynamic";

export const DELETE = route({ auth: "admin" }, async ({ params }) => {
  await revokeToken(idParam.parse(params.id));
  return noContent();
});
