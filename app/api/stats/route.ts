import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { getStats, statsQuerySchema } from "@/lib/usage/stats";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", query: statsQuerySchema }, async ({ query }) => json(await getStats(query)));
