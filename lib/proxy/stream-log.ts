import { env } from "../env";
import { singleton } from "../singleton";
import { writeStreamPart } from "../usage/log-writer";
import type { LoggedStream } from "../usage/request-log";
import { joinBuffers } from "./buffers";

const ids = singleton("streamLogIds", () => ({ next: 1 }));

/**
 * A stream's bytes on their way to the request log: handed to the log writer's thread in parts
 * as they pass (it rebuilds the answer there, bounded), so this side holds at most
 * LOG_BODY_MAX_BYTES of it at a time.
 */
export class StreamLogTap {
  private readonly id = ids.next++;
  private readonly limit = env().LOG_BODY_MAX_BYTES;
  private parts: Buffer[] = [];
  private bytes = 0;
  private continued = false;

  add(chunk: Buffer): void {
    this.parts.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes < this.limit) return;
    void writeStreamPart(this.id, this.take()).catch(() => undefined);
    this.continued = true;
  }

  /** The rest, for the record: the writer joins it to the parts that went ahead. */
  finish(): LoggedStream {
    return { id: this.id, bytes: this.take(), continued: this.continued };
  }

  private take(): Buffer {
    // A stream that came in one read (most short answers) is handed over as it is, not copied.
    const joined = joinBuffers(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return joined;
  }
}
