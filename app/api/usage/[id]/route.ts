import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { idParam } from "@/lib/http/params";
import { getUsage } from "@/lib/usage/queries";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async ({ params }) => json(await getUsage(idParam.parse(params.id))));
