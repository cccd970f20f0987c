import type { IncomingMessage } from "node:http";
import { tooLarge } from "../http/errors";

/** The client went away before its body arrived: there is nothing to answer. */
export class BodyAborted extends Error {}

/**
 * The request body, refused as soon as it passes `limit`: by its Content-Length before a byte is
 * read, else while it arrives (a chunked upload cannot grow the process).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("aborted", onAbort);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      stop();
      req.pause();
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onAbort = () => {
      stop();
      reject(new BodyAborted("client closed the connection while sending the body"));
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onAbort);
    req.once("aborted", onAbort);
  });
}
