import type { IncomingMessage } from "node:http";
import { tooLarge, type ApiError } from "../http/errors";
import { joinBuffers } from "./buffers";

/**
 * Reads the request body, refused as soon as it passes `limit`: by its Content-Length before a
 * byte is read, else while it arrives (a chunked upload cannot grow the process). Calls
 * `received` with the body or `refused` with the error to answer; neither when the client goes
 * away before its body arrived (there is nothing to answer). Callbacks, not a promise: every
 * promise on the /v1 path also pays for Next.js's async-local stores (see pipeline.ts).
 */
export function readBody(req: IncomingMessage, limit: number, received: (body: Buffer) => void, refused: (error: ApiError) => void): void {
  if (Number(req.headers["content-length"] ?? 0) > limit) {
    refused(tooLarge(limit));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const stop = () => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", stop);
    req.off("aborted", stop);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) {
      chunks.push(chunk);
      return;
    }
    stop();
    req.pause();
    refused(tooLarge(limit));
  };
  const onEnd = () => {
    stop();
    received(joinBuffers(chunks, size));
  };
  req.on("data", onData);
  req.once("end", onEnd);
  req.once("error", stop);
  req.once("aborted", stop);
}
