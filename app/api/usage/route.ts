import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { listRequestLog, logQuerySchema } from "@/lib/usage/queries";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", query: logQuerySchema }, async ({ query }) => json(await listRequestLog(query)));
