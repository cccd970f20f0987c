import { APIError } from "openai";
import { nowMs } from "../clock";
import { env } from "../env";
import { classify } from "../proxy/classify";
import type { KeyStatus } from "./status";

export type KeyVerdict = { status: Exclude<KeyStatus, "active" | "disabled">; coolingUntil: Date | null } | null;

/**
 * What an error from a call made with the key through the official SDK (a key check, a model
 * sync) says about the key: the same rules as the proxy's. The call was itself a cheap one, so a
 * refusal that names no cause condemns the key; a request-level refusal (region, scope) or
 * upstream trouble says nothing about it (null).
 */
export function keyVerdictOf(error: unknown): KeyVerdict {
  if (!(error instanceof APIError) || error.status === undefined) return null;
  const sdkError = error as APIError<number, Headers | undefined, object | undefined>;
  // The SDK keeps the `error` object of an OpenAI error body; anything else leaves it empty.
  const body = sdkError.error ? JSON.stringify({ error: sdkError.error }) : "";
  const verdict = classify(sdkError.status, sdkError.headers?.get("retry-after") ?? null, body, nowMs(), env().COOLDOWN_SECONDS * 1000);
  if (verdict.kind === "invalid" || verdict.kind === "confirm") return { status: "invalid", coolingUntil: null };
  if (verdict.kind === "exhausted") return { status: "exhausted", coolingUntil: null };
  if (verdict.kind === "cooling") return { status: "cooling", coolingUntil: new Date(verdict.untilMs) };
  return null;
}
