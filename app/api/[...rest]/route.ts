import { notFound } from "@/lib/http/errors";
import { errorResponse } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

// Unknown admin paths answer in OpenAI's error shape rather than with the dashboard's HTML 404.
function unknown(request: Request): Response {
  return errorResponse(notFound(`No such endpoint: ${request.method} ${new URL(request.url).pathname}. See the README's admin API table.`));
}

export { unknown as GET, unknown as POST, unknown as PUT, unknown as PATCH, unknown as DELETE };
