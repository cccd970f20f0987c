import type { IncomingMessage, ServerResponse } from "node:http";
import { nowMs } from "../clock";
import { singleton } from "../singleton";

const FLUSH_MS = 50;
const FLUSH_BYTES = 64 * 1024;

// One write per request would be a system call per request; lines are gathered for a moment instead
// (and written at exit), so the access log costs almost nothing on the request path.
const buffer = singleton("accessLog", () => {
  const state = { text: "", timer: null as NodeJS.Timeout | null };
  process.once("exit", () => flush(state));
  return state;
});

function flush(state: { text: string; timer: NodeJS.Timeout | null }): void {
  if (state.timer) clearTimeout(state.timer);
  state.timer = null;
  if (state.text === "") return;
  const text = state.text;
  state.text = "";
  process.stdout.write(text);
}

// The timestamp's text up to the second is made once per second (a Date per request showed in
// profiles: Next.js wraps the Date constructor); the milliseconds are added to it.
const clock = { second: -1, prefix: "" };
function isoNow(): string {
  const ms = Math.floor(nowMs());
  const second = Math.floor(ms / 1000);
  if (second !== clock.second) {
    clock.second = second;
    clock.prefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${clock.prefix}${String(ms % 1000).padStart(3, "0")}Z`;
}

function append(line: string): void {
  buffer.text += line;
  if (buffer.text.length >= FLUSH_BYTES) flush(buffer);
  else buffer.timer ??= setTimeout(() => flush(buffer), FLUSH_MS).unref();
}

/**
 * One line per request once it is over: id, method, path (no query), status, latency. Never
 * headers or bodies. Written by hand rather than JSON.stringify: it runs once per request, and
 * only the path can hold characters that need escaping (Node's parser admits only token
 * characters in a method).
 */
export function accessLog(req: IncomingMessage, res: ServerResponse, requestId: string, startedMs: number): void {
  const url = req.url ?? "";
  const query = url.indexOf("?");
  const path = JSON.stringify(query === -1 ? url : url.slice(0, query));
  const aborted = res.writableFinished ? "" : ',"aborted":true';
  append(
    `{"time":"${isoNow()}","level":"info","msg":"request","requestId":"${requestId}","method":"${req.method}","path":${path},"status":${res.statusCode},"latencyMs":${Math.round(performance.now() - startedMs)}${aborted}}\n`,
  );
}
