import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { login, loginContext, loginSchema } from "@/lib/auth/login";
import { sessionCookie } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "none", body: loginSchema }, async ({ request, body }) => {
  const context = loginContext(request.headers, request.url);
  const { token, expiresAt } = await login(context, body.adminKey);
  return json({ ok: true }, 200, { "set-cookie": sessionCookie(token, expiresAt, context.https) });
});
