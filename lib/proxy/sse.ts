import { tokensFromJsonTail, type TokenCounts } from "../usage/tokens";

export type RelayOptions = {
  /** The client did not ask for the usage chunk that KeyPool requested for its own counting. */
  stripUsage: boolean;
  /** Characters of event data kept for the request log (rebuilt into the answer by the log writer); 0 keeps none. */
  logChars: number;
};

export type RelaySummary = TokenCounts & {
  /** The events' data as they came, for the log writer to rebuild the answer from; null when none was kept. */
  events: string[] | null;
  /** The stream's terminal event (`[DONE]`, `response.completed`) passed through. */
  complete: boolean;
};

const LF = 0x0a;
const CR = 0x0d;
// Inside a JSON string every quote is escaped, so these only ever match keys and values.
const USAGE_KEY = '"usage"';
const NULL_USAGE = '"usage":null';
const NO_CHOICES = '"choices":[]';
const RESPONSE_COMPLETED = '"type":"response.completed"';
/** An event larger than this passes through uninspected, so no event can grow the process. */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** Of an uninspected event, its end is kept: usage sits there. */
const TAIL_CHARS = 16 * 1024;

/** The event's data lines joined as the SSE format says; null when it has none. */
function dataOf(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const value = line.slice(line.charCodeAt(5) === 0x20 ? 6 : 5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

/**
 * Watches an SSE stream as it passes: counts tokens, keeps the events' data for the log (bounded),
 * notices the terminal event and (only when the client did not ask for usage) drops the
 * usage-only chunk and the "usage": null fields. Works on bytes, whatever the read boundaries: an
 * event split over any number of reads is found once its blank line arrives. Without stripping,
 * every read is forwarded as received, at once. Nothing here parses JSON on the request's path
 * beyond text checks; the log writer rebuilds the answer.
 */
export class SseRelay {
  /** Bytes of the current, unfinished event. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line seen so far, and the last byte seen: a blank line may span reads. */
  private lineBytes = 0;
  private lastByte = 0;
  /** Inside an event over MAX_EVENT_BYTES: forwarded as it comes, only its tail kept. */
  private oversized = false;
  private tail = "";
  private readonly events: string[] = [];
  private eventChars = 0;
  private tokens: TokenCounts = { promptTokens: null, completionTokens: null };
  private complete = false;

  constructor(private readonly options: RelayOptions) {}

  /** Returns what to forward now: the read itself, or (stripping) the finished events kept. */
  push(chunk: Buffer): Buffer | null {
    const out: Buffer[] = [];
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
    this.lastByte = chunk[chunk.length - 1] ?? this.lastByte;
    if (eventStart < chunk.length) this.hold(chunk.subarray(eventStart), out);
    if (!this.options.stripUsage) return chunk;
    return out.length === 0 ? null : out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  /** What is left when the upstream ends: an event without its blank line. */
  flush(): Buffer | null {
    if (this.oversized) {
      this.endOversized();
      return null;
    }
    if (this.pendingBytes === 0) return null;
    const kept = this.inspect(this.takePending());
    return this.options.stripUsage ? kept : null;
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
    return { ...this.tokens, events: this.options.logChars > 0 ? this.events : null, complete: this.complete };
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
    const event = this.pendingBytes === 0 ? piece : Buffer.concat([...this.pending, piece]);
    this.pending = [];
    this.pendingBytes = 0;
    const kept = this.inspect(event);
    if (kept) out.push(kept);
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

  /** Reads one whole event; returns the bytes to forward for it, or null to drop it. */
  private inspect(event: Buffer): Buffer | null {
    const text = event.toString("utf8");
    const data = dataOf(text);
    if (data === null) return event;
    this.keep(data);
    if (data === "[DONE]") {
      this.complete = true;
      return event;
    }
    if (data.includes(RESPONSE_COMPLETED)) this.complete = true;
    if (!data.includes(USAGE_KEY)) return event;
    if (data.includes(NULL_USAGE)) return this.options.stripUsage ? withoutNullUsage(text) : event;
    this.countUsage(data);
    return this.options.stripUsage && data.includes(NO_CHOICES) ? null : event;
  }

  private keep(data: string): void {
    if (this.eventChars + data.length > this.options.logChars) return;
    this.events.push(data);
    this.eventChars += data.length;
  }
}

/** The event without its "usage": null field, which the client did not ask for. */
function withoutNullUsage(event: string): Buffer {
  const at = event.indexOf(`,${NULL_USAGE}`);
  if (at !== -1) return Buffer.from(event.slice(0, at) + event.slice(at + NULL_USAGE.length + 1));
  const first = event.indexOf(`${NULL_USAGE},`);
  if (first !== -1) return Buffer.from(event.slice(0, first) + event.slice(first + NULL_USAGE.length + 1));
  return Buffer.from(event);
}
