import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { login, loginSchema } from "@/lib/auth/login";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "none", body: loginSchema }, async ({ request, body }) =>
  json({ ok: true }, 200, { "set-cookie": await login(request, body.adminKey) }),
);
