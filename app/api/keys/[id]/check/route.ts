import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { checkKey } from "@/lib/keys/check";
import { idParams } from "@/lib/http/params";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "admin", params: idParams }, async ({ params }) => json(await checkKey(params.id)));
