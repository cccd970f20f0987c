import { route } from "@/lib/http/route";
import { chatSchema, playgroundChat } from "@/lib/chat/playground";
import { REQUEST_ID_HEADER } from "@/lib/proxy/headers";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "admin", body: chatSchema }, ({ body, request }) => playgroundChat(body, request.signal, request.headers.get(REQUEST_ID_HEADER)));
