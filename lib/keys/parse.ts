// OpenAI keys are "sk-" followed by URL-safe characters (sk-proj-…, sk-svcacct-…, legacy sk-…).
const KEY_PATTERN = /^sk-[A-Za-z0-9_-]{16,}$/;

export function isWellFormedKey(candidate: string): boolean {
  return KEY_PATTERN.test(candidate);
}

/** Splits a pasted block (lines, commas, spaces, "name: key" lines) into candidate keys. */
export function splitPasted(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim().replace(/^["']|["']$/g, ""))
    .filter((part) => part.length > 0);
}
