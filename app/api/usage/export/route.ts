import { route } from "@/lib/http/route";
import { exportLog, exportQuerySchema } from "@/lib/usage/export";

export const dynamic = "force-dynamic";

/** The request log as a CSV download, with the filters of GET /api/usage (see lib/usage/export.ts). */
export const GET = route({ auth: "admin", query: exportQuerySchema }, async ({ query }) => {
  const { filename, truncated, body } = await exportLog(query);
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-keypool-truncated": String(truncated),
    },
  });
});
