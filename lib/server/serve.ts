import { flushState } from "../boot";
import { env } from "../env";
import { logError, logInfo, logWarn } from "../log";
import { writerStatus } from "../usage/request-log";
import { abortInflight } from "../proxy/inflight";
import { closeUpstream } from "../proxy/upstream";
import { createKeyPoolServer, type NextHandler } from "./http-server";

/** How long ended streams get to send their last bytes before every connection is cut. */
const LAST_WORDS_MS = 1000;
/** How long a failing database gets to take the last log rows at shutdown. */
const WRITER_GRACE_MS = 5000;

/** Listens on HOST:PORT and stops gracefully on SIGTERM/SIGINT: in-flight requests finish, every row is written. */
export async function serve(handleNext: NextHandler): Promise<void> {
  const { PORT, HOST, SHUTDOWN_GRACE_MS } = env();
  const keypool = createKeyPoolServer(handleNext);
  await new Promise<void>((resolve, reject) => {
    keypool.server.once("error", reject);
    keypool.server.listen(PORT, HOST, resolve);
  });
  logInfo(`KeyPool listening on http://${HOST}:${PORT}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logInfo("stopping: no new requests, finishing in-flight ones", { signal, graceMs: SHUTDOWN_GRACE_MS });
    keypool.stopAccepting();
    const unfinished = await keypool.settled(SHUTDOWN_GRACE_MS);
    if (unfinished > 0) {
      logWarn("grace period over: ending the remaining requests", { unfinished });
      await abortInflight();
      await keypool.settled(LAST_WORDS_MS);
      keypool.server.closeAllConnections();
    }
    // A database that cannot take the last rows gets a few seconds more, then KeyPool says what it lost.
    const unwritten = await flushState(Date.now() + WRITER_GRACE_MS);
    await closeUpstream();
    if (unwritten > 0) {
      const { lastError } = writerStatus();
      logError("stopped, but the request log could not be written", lastError ?? "unknown error", { unwrittenRows: unwritten });
      process.exit(1);
    }
    logInfo("stopped: every log row and counter written");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
