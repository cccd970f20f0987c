import { logError } from "./log";

/**
 * Boots at server start. Configuration errors surface while importing, so the import sits
 * inside the try: a server that cannot boot must exit rather than look alive to a health check.
 */
export async function startOrExit(): Promise<void> {
  try {
    const { ready } = await import("./boot");
    await ready();
  } catch (error) {
    logError("KeyPool cannot start", error);
    process.exit(1);
  }
}
