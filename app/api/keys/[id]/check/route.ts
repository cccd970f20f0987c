import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { checkKey } from "@/lib/keys/check";
import { idParam } from "@/lib/http/params";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "admin" }, async ({ params }) => json(await checkKey(idParam.parse(params.id))));
