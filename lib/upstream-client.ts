import OpenAI from "openai";
import { env } from "./env";

/** The official SDK against the configured upstream, with its own retries off: retrying is KeyPool's job. */
export function upstreamClient(apiKey: string, timeoutMs = 30_000): OpenAI {
  return new OpenAI({ apiKey, baseURL: env().OPENAI_BASE_URL, maxRetries: 0, timeout: timeoutMs });
}
