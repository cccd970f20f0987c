import { NO_TOKENS, tokensFromJsonTail, type TokenCounts } from "../usage/tokens";

export type RelayOptions = {
  /** The client did not ask for the usage chunk that KeyPool requested for its own counting. */
  stripUsage: boolean;
};

export type RelaySummary = TokenCounts & {
  /** The stream's terminal event (`[DONE]`, `response.completed`) passed through. */
  complete: boolean;
};

const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
// Inside a JSON string every quote is escaped, so these only ever match keys and values.
const USAGE = Buffer.from('"usage":');
const NO_CHOICES = Buffer.from('"choices":[]');
// Terminal events, as OpenAI starts them: chat's [DONE], the Responses API's completed event.
const DONE = Buffer.from("data: [DONE]");
const COMPLETED_EVENT = Buffer.from("event: response.completed");
const COMPLETED_DATA = Buffer.from('data: {"type":"response.completed"');
const BLANK_LINE = Buffer.from("\n\n");

const startsWith = (event: Buffer, prefix: Buffer) => event.length >= prefix.length && event.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/** Whether the event is one that ends a stream; decided by its first bytes, most events by one. */
function isTerminal(event: Buffer): boolean {
  if (event[0] === 0x65) return startsWith(event, COMPLETED_EVENT);
  if (event.length <= DONE.length + 4) return startsWith(event, DONE);
  return event[6] === 0x7b && event[8] === 0x74 && startsWith(event, COMPLETED_DATA);
}

/** `null` at `at`, compared in place. */
const isNull = (event: Buffer, at: number) => event[at] === 0x6e && event[at + 1] === 0x75 && event[at + 2] === 0x6c && event[at + 3] === 0x6c;

/** An event larger than this passes through uninspected, so no event can grow the process. */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** Of an uninspected event, its end is kept: usage sits there. */
const TAIL_CHARS = 16 * 1024;

/**
 * Watches an SSE stream as it passes: counts tokens, notices the terminal event and (only when
 * the client did not ask for usage) drops the usage-only chunk and the "usage": null fields.
 * Works on bytes, whatever the read boundaries: an event split over any number of reads is found
 * once its blank line arrives. Without stripping, every read is forwarded as received, at once.
 * On the request's path it only searches bytes; the usage event alone is read as text. (The log
 * writer rebuilds the answer, off this thread.)
 */
export class SseRelay {
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

  constructor(private readonly options: RelayOptions) {}

  /** Returns what to forward now: the read itself, or (stripping) the finished events kept. */
  push(chunk: Buffer): Buffer | null {
    const out: Buffer[] = [];
    if (this.lfOnly === null) {
      const lf = chunk.indexOf(LF);
      if (lf !== -1) this.lfOnly = (lf > 0 ? chunk[lf - 1] : this.lastByte) !== CR;
    }
    const eventStart = this.lfOnly ? this.splitOnBlankLines(chunk, out) : this.splitOnLines(chunk, out);
    this.lastByte = chunk[chunk.length - 1] ?? this.lastByte;
    if (eventStart < chunk.length) this.hold(chunk.subarray(eventStart), out);
    return this.options.stripUsage ? joined(out) : chunk;
  }

  /** Ends every event whose blank line is in this read; returns where the unfinished rest starts. */
  private splitOnBlankLines(chunk: Buffer, out: Buffer[]): number {
    let eventStart = 0;
    // The blank line's two LFs may fall on either side of the read boundary.
    if (this.pendingBytes > 0 && this.lastByte === LF && chunk[0] === LF) {
      this.endEvent(chunk.subarray(0, 1), out);
      eventStart = 1;
    }
    for (let blank = chunk.indexOf(BLANK_LINE, eventStart); blank !== -1; blank = chunk.indexOf(BLANK_LINE, eventStart)) {
      this.endEvent(chunk.subarray(eventStart, blank + 2), out);
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
        this.endEvent(chunk.subarray(eventStart, lineStart), out);
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
    this.inspect(this.takePending(), out);
    return this.options.stripUsage ? joined(out) : null;
  }

  /**
   * Whether an event of KeyPool's own can follow now: nothing of an unfinished event has reached
   * the client (stripping holds events back until they are whole).
   */
  canAppendEvent(): boolean {
    if (this.oversized) return false;
    return this.options.stripUsage || this.pendingBytes === 0;
  }

  summary(): RelaySummary {
    return { ...this.tokens, complete: this.complete };
  }

  private hold(piece: Buffer, out: Buffer[]): void {
    if (this.oversized) {
      this.keepTail(piece);
      if (this.options.stripUsage) out.push(piece);
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (this.pendingBytes <= MAX_EVENT_BYTES) return;
    const held = this.takePending();
    this.oversized = true;
    this.keepTail(held);
    if (this.options.stripUsage) out.push(held);
  }

  private endEvent(piece: Buffer, out: Buffer[]): void {
    if (this.oversized) {
      this.keepTail(piece);
      if (this.options.stripUsage) out.push(piece);
      this.endOversized();
      return;
    }
    if (this.pendingBytes > 0) this.pending.push(piece);
    this.inspect(this.pendingBytes > 0 ? this.takePending() : piece, out);
  }

  private takePending(): Buffer {
    const held = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
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

  /**
   * Reads one whole event and adds what to forward of it to `out`: the event, the event without
   * its "usage": null, or nothing (the usage-only chunk the client did not ask for).
   */
  private inspect(event: Buffer, out: Buffer[]): void {
    if (isTerminal(event)) this.complete = true;
    const usage = event.indexOf(USAGE);
    if (usage === -1) {
      out.push(event);
      return;
    }
    const value = usage + USAGE.length;
    if (isNull(event, value)) {
      if (this.options.stripUsage && event[usage - 1] === COMMA) out.push(event.subarray(0, usage - 1), event.subarray(value + 4));
      else out.push(event);
      return;
    }
    this.countUsage(event.toString("utf8"));
    if (!this.options.stripUsage || event.indexOf(NO_CHOICES) === -1) out.push(event);
  }
}

function joined(out: Buffer[]): Buffer | null {
  if (out.length === 0) return null;
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
}
