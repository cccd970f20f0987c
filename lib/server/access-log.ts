import type { IncomingMessage, ServerResponse } from "node:http";
import { logInfo } from "../log";

/** One line per request once it is over: id, method, path (no query), status, latency. Never headers or bodies. */
export function accessLog(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  const started = performance.now();
  res.once("close", () => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    logInfo("request", {
      requestId,
      method: req.method,
      path: query === -1 ? url : url.slice(0, query),
      status: res.statusCode,
      latencyMs: Math.round(performance.now() - started),
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
}
