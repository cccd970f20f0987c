import type { IncomingHttpHeaders } from "node:http";
import { Pool, type Dispatcher } from "undici";
import { env } from "../env";
import { singleton } from "../singleton";

export type UpstreamAnswer = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData["body"];
};

export type UpstreamCall = {
  method: string;
  /** Below the base URL's path, with the query string. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  signal: AbortSignal;
};

type Upstream = { pool: Pool; basePath: string };

// One keep-alive pool to the upstream origin per process: no connection set-up per call.
// headersTimeout bounds the wait for an answer, bodyTimeout the silence between two reads.
const upstream = () =>
  singleton<Upstream>("upstreamPool", () => {
    const { OPENAI_BASE_URL, UPSTREAM_TIMEOUT_MS, UPSTREAM_IDLE_TIMEOUT_MS } = env();
    const base = new URL(OPENAI_BASE_URL);
    return {
      pool: new Pool(base.origin, { headersTimeout: UPSTREAM_TIMEOUT_MS, bodyTimeout: UPSTREAM_IDLE_TIMEOUT_MS }),
      basePath: base.pathname.replace(/\/+$/, ""),
    };
  });

export async function callUpstream(call: UpstreamCall): Promise<UpstreamAnswer> {
  const { pool, basePath } = upstream();
  const answer = await pool.request({
    method: call.method as Dispatcher.HttpMethod,
    path: `${basePath}/${call.path}`,
    headers: call.headers,
    body: call.body,
    signal: call.signal,
  });
  return { status: answer.statusCode, headers: answer.headers, body: answer.body };
}

type CodedError = { code?: unknown; cause?: unknown; message?: unknown };

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
