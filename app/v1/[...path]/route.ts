import { route, readBodyBytes } from "@/lib/http/route";
import { proxy } from "@/lib/proxy/pipeline";
import { REQUEST_ID_HEADER } from "@/lib/proxy/headers";
import { preflight, withCors } from "@/lib/proxy/cors";

export const dynamic = "force-dynamic";

const forward = route({ auth: "client" }, async ({ request, params, principal }) => {
  const segments = Array.isArray(params.path) ? params.path : [];
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return proxy({
    method: request.method,
    path: segments.map(encodeURIComponent).join("/"),
    search: new URL(request.url).search,
    headers: request.headers,
    body: hasBody ? await readBodyBytes(request) : null,
    signal: request.signal,
    tokenId: principal?.kind === "client" ? principal.tokenId : null,
    source: "v1",
    requestId: request.headers.get(REQUEST_ID_HEADER),
  });
});

const handle: typeof forward = async (request, context) => withCors(await forward(request, context));

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE, preflight as OPTIONS };
