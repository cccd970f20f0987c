/** One JSON object per line on stdout; callers never pass secrets in. */
export function logInfo(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", msg, ...fields })}\n`);
}

export function logWarn(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "warn", msg, ...fields })}\n`);
}

export function logError(msg: string, error: unknown, fields: Record<string, unknown> = {}): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg, error: detail, ...fields })}\n`);
}
