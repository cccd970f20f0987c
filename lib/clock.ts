/**
 * Wall-clock milliseconds for the request path. Next.js wraps the global `Date` (each `new Date()`
 * and `Date.now()` looks up two async-local stores), which is measurable at thousands of requests
 * a second; `performance` is left alone.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
