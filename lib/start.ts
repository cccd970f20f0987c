import { logError } from "./log";
import { singleton } from "./singleton";

/** How scripts/start.mjs, outside Next's bundles, reaches the server that lives in them. */
const SERVE_HOOK = Symbol.for("keypool.serve");

const started = singleton<{ promise: Promise<void> | null }>("started", () => ({ promise: null }));

async function start(): Promise<void> {
  try {
    const { ready } = await import("./boot");
    await ready();
    const { serve } = await import("./server/serve");
    (globalThis as Record<symbol, unknown>)[SERVE_HOOK] = serve;
  } catch (error) {
    logError("KeyPool cannot start", error);
    process.exit(1);
  }
}

/**
 * Boots once per process and hands scripts/start.mjs the server to listen with. Configuration
 * errors surface while importing, so the imports sit inside the try: a server that cannot boot
 * must exit rather than look alive to a health check.
 */
export function startOrExit(): Promise<void> {
  started.promise ??= start();
  return started.promise;
}
