import { z } from "zod";
import { proxy } from "../proxy/pipeline";

const message = z.looseObject({
  role: z.enum(["system", "user", "assistant", "developer", "tool"]),
  content: z.union([z.string(), z.array(z.unknown()), z.null()]),
});

export const chatSchema = z.looseObject({
  model: z.string().trim().min(1, "model is required"),
  messages: z.array(message).min(1, "messages must hold at least one message"),
  stream: z.boolean().optional(),
});
export type ChatInput = z.infer<typeof chatSchema>;

/** The playground's call: the same rotation, retries and log as /v1/chat/completions. */
export function playgroundChat(input: ChatInput, signal: AbortSignal, requestId: string | null): Promise<Response> {
  return proxy({
    method: "POST",
    path: "chat/completions",
    search: "",
    headers: new Headers({ "content-type": "application/json" }),
    body: new TextEncoder().encode(JSON.stringify(input)),
    signal,
    tokenId: null,
    source: "playground",
    requestId,
  });
}
