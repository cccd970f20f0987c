import { Pool, type Dispatcher } from "undici";
import { env } from "../env";
import { singleton } from "../singleton";
import { AnswerHeaders, PASSED_INITIALS, passesToClient } from "./headers";
import { joinBuffers } from "./buffers";

export type UpstreamCall = {
  method: string;
  /** Below the base URL's path, with the query string. */
  path: string;
  /** [name, value, name, value, …] */
  headers: string[];
  body: Buffer | null;
};

/** Who owns the call: told how to abort it, asked whether it was stopped before it started. */
export type CallOwner = {
  readonly stopped: Error | null;
  abortUpstream: ((reason: Error) => void) | null;
};

export type UpstreamAnswer = { status: number; headers: AnswerHeaders; body: UpstreamBody };

type BodyListener = { data: (chunk: Buffer) => void; end: () => void; error: (error: Error) => void };

/**
 * An upstream answer's body as it arrives, straight from undici's dispatch handler: no stream
 * object in between, backpressure by pause/resume. Whoever gets the answer listens within the same
 * tick, so what arrives before that is at most the rest of the read that carried the headers: it
 * is kept, without pausing the socket (a pause and resume cost two system calls per request).
 */
export class UpstreamBody {
  private listener: BodyListener | null = null;
  private early: Buffer[] = [];
  /** Pieces of the read being parsed, not yet handed over. */
  private gathered: Buffer[] = [];
  private outcome: { error: Error | null } | null = null;
  /** Read by the handler after each chunk: false stops undici reading until `resume()`. */
  flowing = true;

  constructor(
    private readonly abort: (reason: Error) => void,
    private readonly resumeReading: () => void,
  ) {}

  listen(listener: BodyListener): void {
    this.listener = listener;
    for (const chunk of this.early) listener.data(chunk);
    this.early = [];
    if (this.outcome) this.settle(this.outcome.error);
  }

  pause(): void {
    this.flowing = false;
  }

  resume(): void {
    if (this.flowing) return;
    this.flowing = true;
    this.resumeReading();
  }

  /** Aborts the upstream request: its connection is closed, not returned to the pool. */
  destroy(reason: Error): void {
    if (!this.outcome) this.abort(reason);
  }

  /**
   * Called by the dispatch handler for each piece of the body it parses. The pieces of one read
   * (a stream's events are often each a chunk of their own: twenty in one read) are handed over
   * together once the read is parsed: one relay pass, one write to the client, instead of one each.
   */
  push(chunk: Buffer): void {
    if (!this.listener) {
      this.early.push(chunk);
      return;
    }
    this.gathered.push(chunk);
    if (this.gathered.length === 1) process.nextTick(this.handOver);
  }

  private readonly handOver = (): void => {
    if (this.gathered.length === 0 || !this.listener) return;
    const chunks = this.gathered;
    this.gathered = [];
    this.listener.data(joinBuffers(chunks));
  };

  settle(error: Error | null): void {
    this.outcome ??= { error };
    if (!this.listener) return;
    // What the last read brought goes before the end.
    this.handOver();
    if (!this.listener) return;
    const listener = this.listener;
    this.listener = null;
    if (error) listener.error(error);
    else listener.end();
  }
}

/**
 * The answer's headers that KeyPool reads or passes on (headers.ts), from undici's raw list. The
 * rest (cookies, the upstream's organisation, its CDN's headers) is never turned into strings.
 */
function keptHeaders(raw: Buffer[]): AnswerHeaders {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const rawName = raw[i] as Buffer;
    // Most names (date, server, set-cookie, …) are ruled out by their first letter, unread.
    if (!PASSED_INITIALS.has((rawName[0] ?? 0) | 0x20)) continue;
    const name = rawName.toString("latin1").toLowerCase();
    if (!passesToClient(name)) continue;
    pairs.push(name, (raw[i + 1] as Buffer).toString("latin1"));
  }
  return new AnswerHeaders(pairs);
}

type Upstream = { pool: Pool; basePath: string };

// One keep-alive pool to the upstream origin per process: no connection set-up per call.
// headersTimeout bounds the wait for an answer, bodyTimeout the silence between two reads.
// Held here as well once found: the process-wide lookup (Symbol.for) showed in profiles, once per call.
let known: Upstream | null = null;
const upstream = () =>
  (known ??= singleton<Upstream>("upstreamPool", () => {
    const { OPENAI_BASE_URL, UPSTREAM_TIMEOUT_MS, UPSTREAM_IDLE_TIMEOUT_MS } = env();
    const base = new URL(OPENAI_BASE_URL);
    return {
      pool: new Pool(base.origin, { headersTimeout: UPSTREAM_TIMEOUT_MS, bodyTimeout: UPSTREAM_IDLE_TIMEOUT_MS }),
      basePath: base.pathname.replace(/\/+$/, ""),
    };
  }));

/**
 * Sends one request upstream through undici's dispatcher API; resolves with status and headers
 * as soon as they arrive, the body following through `UpstreamBody`, or with the error that kept
 * the answer from arriving (never rejects: the caller handles both without a try/await frame).
 * The handler is the one undici's own Request calls (onConnect/onHeaders/onData, marked
 * deprecated in its types): the controller-style handler is adapted to it by a wrapper that first
 * turns every header into a string in an object, about 3 % of the proxy's CPU under load.
 */
export function callUpstream(call: UpstreamCall, owner: CallOwner): Promise<UpstreamAnswer | Error> {
  const { pool, basePath } = upstream();
  return new Promise((resolve) => {
    let abort: ((reason: Error) => void) | null = null;
    let body: UpstreamBody | null = null;
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (owner.stopped) abortRequest(owner.stopped);
        else owner.abortUpstream = abortRequest;
      },
      onHeaders(status, rawHeaders, resume) {
        body = new UpstreamBody(abort ?? (() => undefined), resume);
        resolve({ status, headers: keptHeaders(rawHeaders), body });
        return true;
      },
      onData(chunk) {
        if (!body) return true;
        body.push(chunk);
        return body.flowing;
      },
      onComplete() {
        owner.abortUpstream = null;
        body?.settle(null);
      },
      onError(error) {
        owner.abortUpstream = null;
        if (body) body.settle(error);
        else resolve(error);
      },
    };
    pool.dispatch({ method: call.method as Dispatcher.HttpMethod, path: `${basePath}/${call.path}`, headers: call.headers, body: call.body }, handler);
  });
}

/** How long the cheap confirming call may take. */
const PROBE_TIMEOUT_MS = 10_000;
/** Of a refusal, what is read: enough for any OpenAI error. */
const PROBE_BODY_LIMIT = 64 * 1024;

/** Lists models with the key: the cheapest call that shows whether the upstream accepts it at all. */
export async function probeKey(apiKey: string): Promise<{ status: number; body: string }> {
  const { pool, basePath } = upstream();
  const answer = await pool.request({
    method: "GET",
    path: `${basePath}/models`,
    headers: { authorization: `Bearer ${apiKey}` },
    headersTimeout: PROBE_TIMEOUT_MS,
    bodyTimeout: PROBE_TIMEOUT_MS,
  });
  if (answer.statusCode < 400) {
    await answer.body.dump();
    return { status: answer.statusCode, body: "" };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > PROBE_BODY_LIMIT) break;
  }
  return { status: answer.statusCode, body: Buffer.concat(chunks).toString("utf8") };
}

type CodedError = { code?: unknown; cause?: unknown };

/** The undici or system error code of a failed call (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, …). */
export function upstreamErrorCode(error: unknown): string | null {
  const coded = error as CodedError | null;
  if (typeof coded?.code === "string") return coded.code;
  const cause = coded?.cause as CodedError | undefined;
  return typeof cause?.code === "string" ? cause.code : null;
}

export const isHeadersTimeout = (error: unknown) => upstreamErrorCode(error) === "UND_ERR_HEADERS_TIMEOUT";
export const isBodyTimeout = (error: unknown) => upstreamErrorCode(error) === "UND_ERR_BODY_TIMEOUT";

/** Closes the upstream connections (at shutdown, once every exchange has ended). */
export async function closeUpstream(): Promise<void> {
  await upstream().pool.close();
}
