import { health } from "@/lib/health";
import { json } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

// Outside the route wrapper on purpose: it must answer (503) even when booting failed.
export async function GET(): Promise<Response> {
  const report = await health();
  return json(report, report.status === "error" ? 503 : 200);
}
