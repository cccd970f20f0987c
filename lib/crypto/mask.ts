/** Keys are only ever shown as "sk-..." and their last four characters (ASCII: it also travels in headers). */
export function maskKey(last4: string): string {
  return `sk-...${last4}`;
}

export function lastFour(key: string): string {
  return key.slice(-4);
}
