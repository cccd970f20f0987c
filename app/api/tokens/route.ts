import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { createToken, createTokenSchema, listTokens } from "@/lib/tokens/queries";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async () => json({ data: await listTokens() }));

export const POST = route({ auth: "admin", body: createTokenSchema }, async ({ body }) => json(await createToken(body), 201));
