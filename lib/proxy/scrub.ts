// Upstream 401 messages quote the key ("Incorrect API key provided: sk-proj-****abcd").
const KEY_LIKE = /sk-[A-Za-z0-9_*\-]{4,}/g;

/** Removes anything key-shaped from text that will be stored or shown. */
export function scrubKeys(text: string): string {
  return text.replace(KEY_LIKE, (match) => `sk-...${match.slice(-4)}`);
}

export function truncate(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return `${Buffer.from(text).subarray(0, maxBytes).toString("utf8")}… [truncated]`;
}

/** The message an OpenAI-shaped error body carries, else its start. */
export function upstreamMessage(status: number, body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === "string") return scrubKeys(`${status}: ${message}`).slice(0, 500);
  } catch {
    // not JSON: fall through to the raw start
  }
  return scrubKeys(`${status}: ${body}`).slice(0, 500);
}
