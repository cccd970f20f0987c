import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { listUsage, usageQuerySchema } from "@/lib/usage/queries";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", query: usageQuerySchema }, async ({ query }) => json(await listUsage(query)));
