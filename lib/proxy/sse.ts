import { NO_TOKENS, tokensFromJsonTail, type TokenCounts } from "../usage/tokens";
import { COMPLETED_DATA_START, COMPLETED_EVENT_LINE, DONE_LINE, SseTail, relaySummary } from "./sse-tail";
import { joinBuffers } from "./buffers";

export type RelayOptions = {
  /** The client did not ask for the usage chunk that KeyPool requested for its own counting. */
  stripUsage: boolean;
};

export type RelaySummary = TokenCounts & {
  /** The stream's terminal event (`[DONE]`, `response.completed`) passed through. */
  complete: boolean;
};

/** What stands between an upstream SSE answer and the client. */
export interface StreamRelay {
  /** What to forward of this read now (null: nothing yet). */
  push(chunk: Buffer): Buffer | null;
  /** What is left to forward when the upstream ends. */
  flush(): Buffer | null;
  /** Whether an event of KeyPool's own can follow now without corrupting one half sent. */
  canAppendEvent(): boolean;
  summary(): RelaySummary;
}

/**
 * The relay for a stream: a client that asked for usage gets the stream untouched, and only its
 * end is read (SseTail); otherwise the usage KeyPool asked for is taken out, event by event.
 */
export function sseRelay(options: RelayOptions): StreamRelay {
  return options.stripUsage ? new UsageStripper() : new SseTail();
}

const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
// Inside a JSON string every quote is escaped, so these only ever match keys and values.
const USAGE = Buffer.from('"usage":');
const NO_CHOICES = Buffer.from('"choices":[]');
const DONE = Buffer.from(DONE_LINE);
const COMPLETED_EVENT = Buffer.from(COMPLETED_EVENT_LINE);
const COMPLETED_DATA = Buffer.from(COMPLETED_DATA_START);
const BLANK_LINE = Buffer.from("\n\n");

const startsWith = (bytes: Buffer, start: number, end: number, prefix: Buffer) =>
  end - start >= prefix.length && bytes.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0;

/** Whether the event at bytes[start, end) is one that ends a stream; decided by its first bytes, most events by one. */
function isTerminal(bytes: Buffer, start: number, end: number): boolean {
  if (bytes[start] === 0x65) return startsWith(bytes, start, end, COMPLETED_EVENT);
  if (end - start <= DONE.length + 4) return startsWith(bytes, start, end, DONE);
  return bytes[start + 6] === 0x7b && bytes[start + 8] === 0x74 && startsWith(bytes, start, end, COMPLETED_DATA);
}

/** `null` at `at`, compared in place. */
const isNull = (event: Buffer, at: number) => event[at] === 0x6e && event[at + 1] === 0x75 && event[at + 2] === 0x6c && event[at + 3] === 0x6c;

/** An event larger than this passes through uninspected, so no event can grow the process. */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** Of an uninspected event, its end is kept: usage sits there. */
const TAIL_CHARS = 16 * 1024;

/**
 * Takes out of an SSE stream what the client did not ask for: the usage-only chunk and the
 * "usage": null fields (KeyPool asks for usage to count tokens), and counts tokens and notices the
 * terminal event on the way. Works on bytes, whatever the read boundaries: an event split over
 * any number of reads is found once its blank line arrives, and goes out whole. On the request's
 * path it only searches bytes; the usage event alone is read as text. (The log writer rebuilds the
 * answer, off this thread.)
 */
export class UsageStripper implements StreamRelay {
  /** Bytes of the current, unfinished event. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line seen so far, and the last byte seen: a blank line may span reads. */
  private lineBytes = 0;
  private lastByte = 0;
  /** Lines end in LF alone (OpenAI's way): events are then found by one search for a blank line each. */
  private lfOnly: boolean | null = null;
  /** Inside an event over MAX_EVENT_BYTES: forwarded as it comes, only its tail kept. */
  private oversized = false;
  private tail = "";
  private tokens: TokenCounts = NO_TOKENS;
  private complete = false;
  /** The last search for `"usage":`: events of the same read before the one found do not search again. */
  private searched: Buffer | null = null;
  private searchedFrom = 0;
  private foundAt = -1;

  /** Returns the finished events of the read (and of earlier ones), what is kept of them. */
  push(chunk: Buffer): Buffer | null {
    const out: Buffer[] = [];
    if (this.lfOnly === null) {
      const lf = chunk.indexOf(LF);
      if (lf !== -1) this.lfOnly = (lf > 0 ? chunk[lf - 1] : this.lastByte) !== CR;
    }
    const eventStart = this.lfOnly ? this.splitOnBlankLines(chunk, out) : this.splitOnLines(chunk, out);
    this.lastByte = chunk[chunk.length - 1] ?? this.lastByte;
    if (eventStart < chunk.length) this.hold(chunk.subarray(eventStart), out);
    return joined(out);
  }

  /** Ends every event whose blank line is in this read; returns where the unfinished rest starts. */
  private splitOnBlankLines(chunk: Buffer, out: Buffer[]): number {
    let eventStart = 0;
    // The blank line's two LFs may fall on either side of the read boundary.
    if (this.pendingBytes > 0 && this.lastByte === LF && chunk[0] === LF) {
      this.endEvent(chunk, 0, 1, out);
      eventStart = 1;
    }
    for (let blank = chunk.indexOf(BLANK_LINE, eventStart); blank !== -1; blank = chunk.indexOf(BLANK_LINE, eventStart)) {
      this.endEvent(chunk, eventStart, blank + 2, out);
      eventStart = blank + 2;
    }
    return eventStart;
  }

  /** The general way, for lines ending in CRLF: line by line, a blank line ends the event. */
  private splitOnLines(chunk: Buffer, out: Buffer[]): number {
    let eventStart = 0;
    let lineStart = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, lineStart)) {
      const length = this.lineBytes + (lf - lineStart);
      const before = lf > 0 ? chunk[lf - 1] : this.lastByte;
      this.lineBytes = 0;
      lineStart = lf + 1;
      if (length === 0 || (length === 1 && before === CR)) {
        this.endEvent(chunk, eventStart, lineStart, out);
        eventStart = lineStart;
      }
    }
    this.lineBytes += chunk.length - lineStart;
    return eventStart;
  }

  /** What is left when the upstream ends: an event without its blank line. */
  flush(): Buffer | null {
    if (this.oversized) {
      this.endOversized();
      return null;
    }
    if (this.pendingBytes === 0) return null;
    const out: Buffer[] = [];
    const held = this.takePending();
    this.inspect(held, 0, held.length, out);
    return joined(out);
  }

  /** Events are held back until they are whole, unless one grew past MAX_EVENT_BYTES. */
  canAppendEvent(): boolean {
    return !this.oversized;
  }

  summary(): RelaySummary {
    return relaySummary(this.tokens, this.complete);
  }

  private hold(piece: Buffer, out: Buffer[]): void {
    if (this.oversized) {
      this.keepTail(piece);
      out.push(piece);
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (this.pendingBytes <= MAX_EVENT_BYTES) return;
    const held = this.takePending();
    this.oversized = true;
    this.keepTail(held);
    out.push(held);
  }

  /** The event that ends at `end` in this read: whole in it from `start`, or begun in earlier reads. */
  private endEvent(chunk: Buffer, start: number, end: number, out: Buffer[]): void {
    if (this.oversized) {
      const piece = chunk.subarray(start, end);
      this.keepTail(piece);
      out.push(piece);
      this.endOversized();
      return;
    }
    if (this.pendingBytes === 0) {
      this.inspect(chunk, start, end, out);
      return;
    }
    this.pending.push(chunk.subarray(start, end));
    const held = this.takePending();
    this.inspect(held, 0, held.length, out);
  }

  private takePending(): Buffer {
    const held = joinBuffers(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return held;
  }

  private keepTail(piece: Buffer): void {
    const text = piece.subarray(Math.max(0, piece.length - TAIL_CHARS)).toString("utf8");
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
  }

  private endOversized(): void {
    this.countUsage(this.tail);
    this.oversized = false;
    this.tail = "";
  }

  private countUsage(text: string): void {
    const counts = tokensFromJsonTail(text);
    if (counts.promptTokens !== null || counts.completionTokens !== null) this.tokens = counts;
  }

  /** Where the first `"usage":` at or after `from` in `bytes` is; -1 when none. */
  private usageAt(bytes: Buffer, from: number): number {
    if (this.searched === bytes && this.searchedFrom <= from && (this.foundAt === -1 || this.foundAt >= from)) return this.foundAt;
    this.searched = bytes;
    this.searchedFrom = from;
    this.foundAt = bytes.indexOf(USAGE, from);
    return this.foundAt;
  }

  /**
   * Reads the whole event at bytes[start, end) and adds what to forward of it to `out`: the event,
   * the event without its "usage": null, or nothing (the usage-only chunk the client did not ask for).
   */
  private inspect(bytes: Buffer, start: number, end: number, out: Buffer[]): void {
    if (isTerminal(bytes, start, end)) this.complete = true;
    const usage = this.usageAt(bytes, start);
    if (usage === -1 || usage >= end) {
      out.push(bytes.subarray(start, end));
      return;
    }
    const value = usage + USAGE.length;
    if (isNull(bytes, value)) {
      if (bytes[usage - 1] === COMMA) out.push(bytes.subarray(start, usage - 1), bytes.subarray(value + 4, end));
      else out.push(bytes.subarray(start, end));
      return;
    }
    this.countUsage(bytes.toString("utf8", start, end));
    const noChoices = bytes.indexOf(NO_CHOICES, start);
    if (noChoices === -1 || noChoices >= end) out.push(bytes.subarray(start, end));
  }
}

function joined(out: Buffer[]): Buffer | null {
  if (out.length === 0) return null;
  return joinBuffers(out);
}
