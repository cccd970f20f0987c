import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { clearedSessionCookie, endAllSessions } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** Sign out everywhere: every dashboard session ends, this one included. */
export const DELETE = route({ auth: "admin" }, async () => json({ ended: await endAllSessions() }, 200, { "set-cookie": clearedSessionCookie() }));
