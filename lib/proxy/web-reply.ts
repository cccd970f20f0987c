import type { OutgoingHttpHeaders } from "node:http";
import { PassThrough, Readable } from "node:stream";
import type { Reply } from "./reply";

/**
 * A Reply that becomes a web Response, for callers inside Next route handlers (the playground):
 * the proxy writes into it as into a ServerResponse.
 */
export class WebReply extends PassThrough implements Reply {
  headersSent = false;
  private readonly head: Promise<{ status: number; headers: OutgoingHttpHeaders | string[] }>;
  private resolveHead: (head: { status: number; headers: OutgoingHttpHeaders | string[] }) => void = () => undefined;

  /** `signal` aborts when the browser goes away; the proxy then aborts the upstream call. */
  constructor(signal: AbortSignal) {
    super();
    this.head = new Promise((resolve) => (this.resolveHead = resolve));
    signal.addEventListener("abort", () => this.destroy(), { once: true });
    // Nobody is left to read an answer that never started.
    this.once("close", () => this.resolveHead({ status: 499, headers: {} }));
  }

  writeHead(status: number, headers: OutgoingHttpHeaders | string[]): this {
    this.headersSent = true;
    this.resolveHead({ status, headers });
    return this;
  }

  async response(): Promise<Response> {
    const { status, headers } = await this.head;
    const web = new Headers();
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) web.append(headers[i] as string, headers[i + 1] as string);
    } else {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) web.set(name, Array.isArray(value) ? value.join(", ") : String(value));
      }
    }
    return new Response(Readable.toWeb(this) as ReadableStream<Uint8Array>, { status, headers: web });
  }
}
