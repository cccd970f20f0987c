import type { IncomingMessage } from "node:http";
import { env } from "../env";

/**
 * Who is asking, for per-client limits: the socket's address, or behind TRUST_PROXY reverse
 * proxies the address the nearest trusted one recorded in X-Forwarded-For. Without TRUST_PROXY
 * the header is ignored: any client could write it.
 */
export function clientAddress(req: IncomingMessage): string {
  const socket = req.socket.remoteAddress ?? "unknown";
  const hops = env().TRUST_PROXY;
  if (hops === 0) return socket;
  const header = req.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((part) => part.trim()).filter(Boolean);
  // Each trusted proxy appends the address it saw; the entry `hops` from the end was written by the outermost one.
  return forwarded[forwarded.length - hops] ?? socket;
}
