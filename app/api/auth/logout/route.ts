import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { logout } from "@/lib/auth/login";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "none" }, async ({ request }) => json({ ok: true }, 200, { "set-cookie": await logout(request) }));
