/** One JSON object per line on stdout; callers never pass secrets in. */
export function logInfo(msg: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", msg, ...fields }));
}

export function logError(msg: string, error: unknown, fields: Record<string, unknown> = {}): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(JSON.stringify({ time: new Date().toISOString(), level: "error", msg, error: detail, ...fields }));
}
