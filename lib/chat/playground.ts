import { z } from "zod";
import { idParam } from "../http/params";
import { proxy } from "../proxy/pipeline";
import { WebReply } from "../proxy/web-reply";

const message = z.looseObject({
  role: z.enum(["system", "user", "assistant", "developer", "tool"]),
  content: z.union([z.string(), z.array(z.unknown()), z.null()]),
});

export const chatSchema = z.looseObject({
  model: z.string().trim().min(1, "model is required"),
  messages: z.array(message).min(1, "messages must hold at least one message"),
  stream: z.boolean().optional(),
  /** "Try" on the Keys page: this key only, no rotation and no retry on another (see chosenRoute). */
  keyId: idParam.optional(),
});
export type ChatInput = z.infer<typeof chatSchema>;

/** The playground's call: the same rotation, retries and log as /v1/chat/completions, or one chosen key. */
export function playgroundChat({ keyId, ...input }: ChatInput, signal: AbortSignal, requestId: string | null): Promise<Response> {
  const reply = new WebReply(signal);
  void proxy(
    {
      method: "POST",
      path: "chat/completions",
      search: "",
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(input)),
      tokenId: null,
      source: "playground",
      requestId,
      // The route handler's response carries the request id already.
      replyHeaders: [],
      keyId,
    },
    reply,
  );
  return reply.response();
}
