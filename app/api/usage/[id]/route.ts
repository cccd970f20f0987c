import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { idParams } from "@/lib/http/params";
import { getLogEntry } from "@/lib/usage/queries";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", params: idParams }, async ({ params }) => json(await getLogEntry(params.id)));
