import type { OutgoingHttpHeaders } from "node:http";
import type { ApiError } from "../http/errors";

/**
 * Where an answer goes: the client's `ServerResponse` on /v1, or the playground's adapter. Only
 * what the relay needs, so both fit.
 */
export type Reply = {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  readonly destroyed: boolean;
  /** `headers` as an object, or as the flat list [name, value, …] that ServerResponse also takes. */
  writeHead(status: number, headers: OutgoingHttpHeaders | string[]): unknown;
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): unknown;
  destroy(error?: Error): unknown;
  cork(): void;
  uncork(): void;
  once(event: "drain" | "close", listener: () => void): unknown;
};

export function replyJson(reply: Reply, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  reply.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  reply.end(text);
}

export function replyError(reply: Reply, error: ApiError, headers: OutgoingHttpHeaders = {}): void {
  replyJson(reply, error.status, error.toBody(), error.retryAfterS === null ? headers : { "retry-after": String(error.retryAfterS), ...headers });
}
