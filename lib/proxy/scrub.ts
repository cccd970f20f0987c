// Upstream 401 messages quote the key ("Incorrect API key provided: sk-proj-****abcd"); other
// errors may echo it whole.
const KEY_LIKE = /sk-[A-Za-z0-9_*\-]{4,}/g;

/** Removes anything key-shaped (and the given key, whatever its shape) from text that will be stored or shown. */
export function scrubKeys(text: string, apiKey?: string): string {
  const withoutKey = apiKey && text.includes(apiKey) ? text.split(apiKey).join(`sk-...${apiKey.slice(-4)}`) : text;
  return withoutKey.replace(KEY_LIKE, (match) => `sk-...${match.slice(-4)}`);
}

/** What a stored body cut at its limit ends with. */
export const TRUNCATED = "… [truncated]";

export function truncate(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text) <= maxBytes) return text;
  return `${Buffer.from(text).subarray(0, maxBytes).toString("utf8")}${TRUNCATED}`;
}

/** The message an OpenAI-shaped error body carries, else its start; scrubbed. */
export function upstreamMessage(status: number, body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === "string") return scrubKeys(`${status}: ${message}`).slice(0, 500);
  } catch {
    // not JSON: fall through to the raw start
  }
  return scrubKeys(`${status}: ${body.slice(0, 2000)}`).slice(0, 500);
}
