import { tokensFromJsonTail, type TokenCounts } from "../usage/tokens";
import type { RelaySummary, StreamRelay } from "./sse";
import { joinBuffers } from "./buffers";

/** Of a stream, how much of its end is kept: its usage and terminal event sit there. */
export const TAIL_BYTES = 16 * 1024;
/** Where they are looked for first: a chat stream's usage chunk and [DONE] take about 600 bytes. */
const NEAR_END_BYTES = 1024;

const LF = 0x0a;
const CR = 0x0d;

// Terminal events, as OpenAI starts them: chat's [DONE], the Responses API's completed event
// (named, or by its type when it comes without a name). The stripping relay matches the same.
export const DONE_LINE = "data: [DONE]";
export const COMPLETED_EVENT_LINE = "event: response.completed";
export const COMPLETED_DATA_START = 'data: {"type":"response.completed"';
const TERMINAL_LINES = [DONE_LINE, COMPLETED_EVENT_LINE];

/**
 * Whether a line of `text` starts with `prefix` (and, when `whole`, is nothing more). A JSON
 * string holds no raw line break, so only real lines match. The text's first line counts only
 * when the text is the stream from its start. Searched from the end, where terminal events are.
 */
function hasLine(text: string, prefix: string, fromStart: boolean, whole: boolean): boolean {
  for (let at = text.lastIndexOf(prefix); at !== -1; at = at === 0 ? -1 : text.lastIndexOf(prefix, at - 1)) {
    const next = text.charCodeAt(at + prefix.length);
    if (whole && next !== LF && next !== CR && !Number.isNaN(next)) continue;
    if (at === 0 ? fromStart : text.charCodeAt(at - 1) === LF) return true;
  }
  return false;
}

/** Written out field by field: a spread with one field more took V8's slow path on every stream (perf, main thread). */
export function relaySummary(tokens: TokenCounts, complete: boolean): RelaySummary {
  return { promptTokens: tokens.promptTokens, completionTokens: tokens.completionTokens, cachedTokens: tokens.cachedTokens, reasoningTokens: tokens.reasoningTokens, complete };
}

/**
 * A stream passed to the client exactly as it comes (the client asked for usage itself): every
 * read is forwarded at once, untouched and unsearched. Only the last TAIL_BYTES are kept, and read
 * once, when the stream is over: usage and the terminal event are always at the end.
 */
export class SseTail implements StreamRelay {
  private recent: Buffer[] = [];
  private recentBytes = 0;
  private seenBytes = 0;

  push(chunk: Buffer): Buffer {
    this.recent.push(chunk);
    this.recentBytes += chunk.length;
    this.seenBytes += chunk.length;
    while (this.recentBytes - (this.recent[0] as Buffer).length >= TAIL_BYTES) this.recentBytes -= (this.recent.shift() as Buffer).length;
    return chunk;
  }

  /** Nothing is held back. */
  flush(): null {
    return null;
  }

  /** An event of KeyPool's own may follow once what passed ends with a blank line (LF or CRLF). */
  canAppendEvent(): boolean {
    if (this.recentBytes === 0) return true;
    const end = this.lastText(Math.min(3, this.recentBytes));
    return end.endsWith("\n\n") || end.endsWith("\n\r\n");
  }

  /** Usage and the terminal event from the stream's last bytes: its last events first, all that is kept if they lack either. */
  summary(): RelaySummary {
    const near = this.readLast(Math.min(this.recentBytes, NEAR_END_BYTES));
    const found = (near.promptTokens !== null || near.completionTokens !== null) && near.complete;
    return found || this.recentBytes <= NEAR_END_BYTES ? near : this.readLast(Math.min(this.recentBytes, TAIL_BYTES));
  }

  private readLast(bytes: number): RelaySummary {
    // Latin-1 keeps every byte one character: what is looked for is ASCII.
    const text = this.lastText(bytes);
    const fromStart = this.seenBytes === bytes;
    const complete = TERMINAL_LINES.some((line) => hasLine(text, line, fromStart, true)) || hasLine(text, COMPLETED_DATA_START, fromStart, false);
    return relaySummary(tokensFromJsonTail(text), complete);
  }

  /** The last `bytes` bytes that passed, as Latin-1 text: only the reads that hold them are joined. */
  private lastText(bytes: number): string {
    if (bytes === 0) return "";
    let first = this.recent.length - 1;
    let held = (this.recent[first] as Buffer).length;
    while (held < bytes) held += (this.recent[--first] as Buffer).length;
    const pieces = this.recent.slice(first);
    if (held > bytes) pieces[0] = (pieces[0] as Buffer).subarray(held - bytes);
    return joinBuffers(pieces, bytes).toString("latin1");
  }
}
