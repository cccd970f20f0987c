// Most chunks of a streamed chat answer repeat the chunk before them except for a few words of
// text: the same head (id, object, created, model, fingerprint) and one choice whose delta is
// `{"content": "…"}`. Reading that text in place costs a fraction of parsing the whole chunk,
// which was most of the log writer's time per streamed row. Anything else is parsed in full.

const CHOICES = '"choices":[';
const DELTA_START = '{"index":0,"delta":{"content":"';
const DELTA_END = '"},"logprobs":null,"finish_reason":null}]';
const USAGE_NULL = ',"usage":null';
const OBFUSCATION = ',"obfuscation":"';
const CLOSE = 0x7d;
const BACKSLASH = 0x5c;

/** `text` has `part` at `at`; a slice compared whole is several times faster than startsWith() here. */
const hasAt = (text: string, part: string, at: number) => text.slice(at, at + part.length) === part;

/** The start of a chunk like `data` that only adds content: its head (everything before the choices) and the delta's start; null when it has no choices. */
export function deltaPrefixOf(data: string): string | null {
  const at = data.indexOf(CHOICES);
  return at === -1 ? null : data.slice(0, at + CHOICES.length) + DELTA_START;
}

/** How most content chunks end, compared at once before the fields are checked one by one. */
const COMMON_ENDS = [`${DELTA_END}${USAGE_NULL}}`, `${DELTA_END}}`];

/**
 * The text of a chunk that starts with `prefix` (see deltaPrefixOf) and carries nothing but one
 * content delta (before the usage: null and obfuscation fields OpenAI adds); null for any other
 * chunk. The chunk is `text` from `start` to `end`: read in place, it is never sliced out.
 */
export function contentDelta(text: string, prefix: string, start = 0, end = text.length): string | null {
  if (!hasAt(text, prefix, start)) return null;
  const from = start + prefix.length;
  const close = closingQuote(text, from);
  if (close === -1 || close >= end) return null;
  const rest = end - close;
  const common = COMMON_ENDS.some((ending) => ending.length === rest && hasAt(text, ending, close));
  if (!common && (!hasAt(text, DELTA_END, close) || !endsAfterKnownFields(text, close + DELTA_END.length, end))) return null;
  const raw = text.slice(from, close);
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return null;
  }
}

/** The quote that ends the JSON string whose text starts at `from`: one not escaped by a backslash. */
function closingQuote(text: string, from: number): number {
  for (let at = text.indexOf('"', from); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

/** Whether the chunk ends at `from` with at most `"usage":null` and an obfuscation string, then its closing brace at `end` - 1. */
function endsAfterKnownFields(text: string, from: number, end: number): boolean {
  let at = from;
  if (hasAt(text, USAGE_NULL, at)) at += USAGE_NULL.length;
  if (hasAt(text, OBFUSCATION, at)) {
    // Padding of letters and digits: a quote ends it (an escaped one leaves more than the brace, so the chunk is parsed).
    const quote = text.indexOf('"', at + OBFUSCATION.length);
    if (quote === -1 || quote >= end) return false;
    at = quote + 1;
  }
  return at === end - 1 && text.charCodeAt(at) === CLOSE;
}
