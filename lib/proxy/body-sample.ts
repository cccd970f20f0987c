import { TRUNCATED } from "./scrub";
import { joinBuffers } from "./buffers";

const TAIL_BYTES = 16 * 1024;

/**
 * What KeyPool keeps of an answer that passes through: its start for the request log and its end
 * for the token count (usage sits at the end of OpenAI's answers). Bounded whatever the answer's size.
 */
export class BodySample {
  private readonly start: Buffer[] = [];
  private startBytes = 0;
  private end: Buffer = Buffer.alloc(0);
  private total = 0;
  private whole: string | null = null;

  /** `logBytes` 0 keeps no start at all (LOG_BODIES=false). */
  constructor(private readonly logBytes: number) {}

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.startBytes < this.logBytes) {
      const part = chunk.subarray(0, this.logBytes - this.startBytes);
      this.start.push(part);
      this.startBytes += part.length;
    }
    const joined = this.end.length === 0 ? chunk : Buffer.concat([this.end, chunk]);
    this.end = joined.length <= TAIL_BYTES ? joined : joined.subarray(joined.length - TAIL_BYTES);
  }

  /** The start as logged: whole, or cut at the limit and marked. Null when nothing is kept. */
  head(): string | null {
    if (this.logBytes === 0) return null;
    const whole = this.wholeText();
    if (whole !== null) return whole;
    const text = joinBuffers(this.start, this.startBytes).toString("utf8");
    return this.total > this.startBytes ? `${text}${TRUNCATED}` : text;
  }

  tail(): string {
    return this.wholeText() ?? this.end.toString("utf8");
  }

  /** A small answer is both its start and its end: read as text once. */
  private wholeText(): string | null {
    if (this.total !== this.startBytes || this.total > TAIL_BYTES) return null;
    this.whole ??= this.end.toString("utf8");
    return this.whole;
  }
}
