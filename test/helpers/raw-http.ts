import http from "node:http";

/** Rejects with a clear message when `promise` takes longer than `ms`, so a hang fails instead of blocking the run. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof what === "function" ? what() : what}: no result within ${ms} ms`)), ms);
  });
  // After a timeout the promise may still settle; its late rejection is expected, not unhandled.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

export type ChunkedUploadResult = {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Body bytes handed to the socket when the response's status line arrived. */
  bytesWrittenAtResponse: number;
};

/**
 * POSTs a chunked body (no Content-Length) of up to `maxBytes` in `chunkBytes` pieces, and stops
 * writing as soon as a response arrives. Reports how much had been written by then.
 */
export function postChunked(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  { chunkBytes = 64 * 1024, maxBytes = 64 * 1024 * 1024, timeoutMs = 20_000 } = {},
): Promise<ChunkedUploadResult> {
  return withTimeout(
    new Promise<ChunkedUploadResult>((resolve, reject) => {
      let written = 0;
      let answered = false;
      const request = http.request(`${baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers } });
      request.on("response", (response) => {
        answered = true;
        const bytesWrittenAtResponse = written;
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        const done = () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8"), bytesWrittenAtResponse });
          request.destroy();
        };
        response.on("end", done);
        // The server may close the connection right after its answer while the upload is still going.
        response.on("error", done);
        response.on("close", done);
      });
      // Writing into a connection the server closed after answering fails; only an error before any answer counts.
      request.on("error", (error) => {
        if (!answered) reject(new Error(`upload failed after ${written} bytes without a response: ${error.message}`));
      });
      const prefix = Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"');
      const filler = Buffer.alloc(chunkBytes, "a");
      void (async () => {
        request.write(prefix);
        written += prefix.length;
        while (!answered && written < maxBytes && !request.destroyed) {
          const flushed = request.write(filler);
          written += filler.length;
          if (!flushed) {
            await new Promise<void>((drained) => {
              const stop = () => {
                request.off("drain", stop);
                request.off("response", stop);
                request.off("close", stop);
                drained();
              };
              request.once("drain", stop);
              request.once("response", stop);
              request.once("close", stop);
            });
          }
        }
        if (!answered && !request.destroyed) request.end('"}]}');
      })();
    }),
    timeoutMs,
    `chunked POST ${path}`,
  );
}

/** Sends only the headers of a request that declares `contentLength` body bytes, and waits for the answer. */
export function headersOnly(baseUrl: string, path: string, headers: Record<string, string>, contentLength: number): Promise<{ status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const request = http.request(`${baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(contentLength), ...headers },
      });
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
          request.destroy();
        });
      });
      request.on("error", reject);
      request.flushHeaders();
    }),
    10_000,
    `headers-only POST ${path}`,
  );
}
