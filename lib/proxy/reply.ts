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

/** Headers given as an object or as the flat list [name, value, …], as that list (a repeated header repeated). */
export type ReplyHeaders = OutgoingHttpHeaders | readonly string[];

function headerList(headers: ReplyHeaders): string[] {
  if (Array.isArray(headers)) return headers.slice();
  const list: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) list.push(name, item);
    else list.push(name, String(value));
  }
  return list;
}

/** Writes `body` as JSON after `list`, a list of the caller's own that this extends. */
function writeJson(reply: Reply, status: number, body: unknown, list: string[]): void {
  const text = JSON.stringify(body);
  list.push("content-type", "application/json", "content-length", String(Buffer.byteLength(text)));
  reply.writeHead(status, list);
  reply.end(text);
}

export function replyJson(reply: Reply, status: number, body: unknown, headers: ReplyHeaders = []): void {
  writeJson(reply, status, body, headerList(headers));
}

export function replyError(reply: Reply, error: ApiError, headers: ReplyHeaders = []): void {
  const list = headerList(headers);
  if (error.retryAfterS !== null) list.push("retry-after", String(error.retryAfterS));
  writeJson(reply, error.status, error.toBody(), list);
}
