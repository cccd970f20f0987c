import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { syncModels } from "@/lib/models/sync";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "admin" }, async () => json(await syncModels()));
