/**
 * The next key after `cursor` among eligible ids (ascending): the smallest id above the cursor,
 * else the smallest id. Ids in `avoid` are skipped while any other eligible id remains.
 */
export function nextKeyId(eligibleIds: readonly number[], cursor: number | null, avoid: ReadonlySet<number> = new Set()): number | null {
  const preferred = eligibleIds.filter((id) => !avoid.has(id));
  const candidates = preferred.length > 0 ? preferred : eligibleIds;
  if (candidates.length === 0) return null;
  const above = cursor === null ? undefined : candidates.find((id) => id > cursor);
  return above ?? candidates[0] ?? null;
}
