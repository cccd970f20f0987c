export type PreparedBody = {
  /** Bytes sent upstream: the client's own, unless KeyPool had to ask for streaming usage. */
  upstream: Buffer | null;
  model: string | null;
  stream: boolean;
  /** KeyPool asked for streaming usage the client did not ask for, so the client must not see it. */
  stripUsage: boolean;
  /** Text kept for the request log. */
  logText: string | null;
};

// Endpoints whose streams carry usage only when asked through stream_options.
const USAGE_ON_REQUEST = new Set(["chat/completions", "completions"]);

function isJson(contentType: string | null): boolean {
  return contentType === null || /\bjson\b/i.test(contentType);
}

export function prepareBody(path: string, contentType: string | null, raw: Buffer | null): PreparedBody {
  if (!raw || raw.byteLength === 0) return { upstream: raw, model: null, stream: false, stripUsage: false, logText: null };
  if (!isJson(contentType)) {
    const type = contentType?.split(";")[0] ?? "binary";
    return { upstream: raw, model: null, stream: false, stripUsage: false, logText: `<${type}, ${raw.byteLength} bytes>` };
  }
  const text = raw.toString("utf8");
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Upstream answers malformed JSON with its own 400; pass it on untouched.
    return { upstream: raw, model: null, stream: false, stripUsage: false, logText: text };
  }
  const model = typeof parsed.model === "string" ? parsed.model : null;
  const stream = parsed.stream === true;
  const options = parsed.stream_options as { include_usage?: unknown } | null | undefined;
  if (!stream || options?.include_usage === true || !USAGE_ON_REQUEST.has(path)) {
    return { upstream: raw, model, stream, stripUsage: false, logText: text };
  }
  const withUsage = { ...parsed, stream_options: { ...(options ?? {}), include_usage: true } };
  return { upstream: Buffer.from(JSON.stringify(withUsage)), model, stream, stripUsage: true, logText: text };
}
