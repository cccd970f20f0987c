export type PreparedBody = {
  /** Bytes sent upstream: the client's own, unless KeyPool had to ask for streaming usage. */
  upstream: Buffer | null;
  model: string | null;
  stream: boolean;
  /** KeyPool asked for streaming usage the client did not ask for, so the client must not see it. */
  stripUsage: boolean;
  /** Text kept for the request log. */
  logText: string | null;
  /** The body as parsed, when it is a JSON object. */
  json: Record<string, unknown> | null;
};

// Endpoints whose streams carry usage only when asked through stream_options.
const USAGE_ON_REQUEST = new Set(["chat/completions", "completions"]);

function isJson(contentType: string | null): boolean {
  return contentType === null || /\bjson\b/i.test(contentType);
}

export function prepareBody(path: string, contentType: string | null, raw: Buffer | null): PreparedBody {
  if (!raw || raw.byteLength === 0) return { upstream: raw, model: null, stream: false, stripUsage: false, logText: null, json: null };
  if (!isJson(contentType)) {
    const type = contentType?.split(";")[0] ?? "binary";
    return { upstream: raw, model: null, stream: false, stripUsage: false, logText: `<${type}, ${raw.byteLength} bytes>`, json: null };
  }
  const text = raw.toString("utf8");
  let parsed: Record<string, unknown> | null;
  try {
    parsed = JSON.parse(text) as Record<string, unknown> | null;
  } catch {
    parsed = null;
  }
  // Upstream answers malformed JSON (or JSON that is no object) with its own 400; pass it on untouched.
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { upstream: raw, model: null, stream: false, stripUsage: false, logText: text, json: null };
  const model = typeof parsed.model === "string" ? parsed.model : null;
  const stream = parsed.stream === true;
  const options = parsed.stream_options as { include_usage?: unknown } | null | undefined;
  if (!stream || options?.include_usage === true || !USAGE_ON_REQUEST.has(path)) {
    return { upstream: raw, model, stream, stripUsage: false, logText: text, json: parsed };
  }
  return { upstream: withUsageAsked(text, parsed, options), model, stream, stripUsage: true, logText: text, json: parsed };
}

/**
 * The body with `stream_options.include_usage` set. Without stream_options the field is added
 * before the closing brace, leaving every other byte as the client sent it (and a long prompt
 * unserialised); otherwise the object is written anew.
 */
function withUsageAsked(text: string, parsed: Record<string, unknown>, options: { include_usage?: unknown } | null | undefined): Buffer {
  if (options === undefined) {
    const end = text.lastIndexOf("}");
    return Buffer.from(`${text.slice(0, end)},"stream_options":{"include_usage":true}${text.slice(end)}`);
  }
  return Buffer.from(JSON.stringify({ ...parsed, stream_options: { ...(options ?? {}), include_usage: true } }));
}
