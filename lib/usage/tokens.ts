/** What an answer's usage says; cached prompt tokens and reasoning tokens are parts of the first two. */
export type TokenCounts = { promptTokens: number | null; completionTokens: number | null; cachedTokens: number | null; reasoningTokens: number | null };

export const NO_TOKENS: TokenCounts = { promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null };

type Details = { cached_tokens?: unknown; reasoning_tokens?: unknown } | null | undefined;
type UsageLike = {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
  prompt_tokens_details?: Details;
  completion_tokens_details?: Details;
  input_tokens_details?: Details;
  output_tokens_details?: Details;
};

const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** Reads the usage block of chat/completions/embeddings ("prompt_tokens") and responses ("input_tokens"). */
function tokensFromUsage(usage: unknown): TokenCounts {
  if (!usage || typeof usage !== "object") return NO_TOKENS;
  const u = usage as UsageLike;
  return {
    promptTokens: count(u.prompt_tokens) ?? count(u.input_tokens),
    completionTokens: count(u.completion_tokens) ?? count(u.output_tokens),
    cachedTokens: count(u.prompt_tokens_details?.cached_tokens) ?? count(u.input_tokens_details?.cached_tokens),
    reasoningTokens: count(u.completion_tokens_details?.reasoning_tokens) ?? count(u.output_tokens_details?.reasoning_tokens),
  };
}

const USAGE_KEY = '"usage"';

const OPEN = 0x7b;
const CLOSE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

const parsed = (json: string): unknown => {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
};

/**
 * Where the object starting at `start` ends, counting braces and ignoring strings: right unless
 * a string inside holds a brace, and then what it gives does not parse (see objectAt).
 */
function roughEnd(text: string, start: number): number {
  let depth = 0;
  for (let at = start; ; ) {
    const close = text.indexOf("}", at);
    if (close === -1) return -1;
    for (let open = text.indexOf("{", at); open !== -1 && open < close; open = text.indexOf("{", open + 1)) depth += 1;
    depth -= 1;
    if (depth === 0) return close;
    at = close + 1;
  }
}

/** The end of the object starting at `start`, reading strings as JSON does; -1 when it does not end. */
function exactEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN) depth += 1;
    else if (code === CLOSE && --depth === 0) return i;
  }
  return -1;
}

/**
 * The JSON object that starts at the first non-space character after `from`, or null. Its end is
 * first found by counting braces alone (native searches, no character loop): a text cut at a
 * wrong brace is a strict prefix of the object or runs past it, and neither parses, so a parse
 * that succeeds is the object. Otherwise the end is found character by character.
 */
function objectAt(text: string, from: number): unknown {
  let start = from;
  while (start < text.length && isSpace(text.charCodeAt(start))) start += 1;
  if (text.charCodeAt(start) !== OPEN) return null;
  const rough = roughEnd(text, start);
  const quick = rough === -1 ? undefined : parsed(text.slice(start, rough + 1));
  if (quick !== undefined) return quick;
  const end = exactEnd(text, start);
  return end === -1 ? null : (parsed(text.slice(start, end + 1)) ?? null);
}

/**
 * Token counts from the last `"usage": {…}` in a JSON text, read without parsing the whole text:
 * OpenAI puts usage near the end of every answer, so the tail of a large answer is enough.
 * (Inside a JSON string a quote is always escaped, so `"usage"` only ever matches a key.)
 */
export function tokensFromJsonTail(text: string): TokenCounts {
  for (let at = text.lastIndexOf(USAGE_KEY); at !== -1; at = text.lastIndexOf(USAGE_KEY, at - 1)) {
    let colon = at + USAGE_KEY.length;
    while (colon < text.length && isSpace(text.charCodeAt(colon))) colon += 1;
    if (text[colon] !== ":") continue;
    const counts = tokensFromUsage(objectAt(text, colon + 1));
    if (counts.promptTokens !== null || counts.completionTokens !== null) return counts;
  }
  return NO_TOKENS;
}
