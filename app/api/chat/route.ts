import { route } from "@/lib/http/route";
import { chatSchema, playgroundChat } from "@/lib/chat/playground";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "admin", body: chatSchema }, ({ body, request }) => playgroundChat(body, request.signal));
