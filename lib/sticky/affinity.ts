/** FNV-1a over the value's UTF-16 code units: cheap, and enough to spread cache keys. */
function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index += 1) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finaliser: every input bit moves every output bit, so neighbouring key ids score apart. */
function mix(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Rendezvous (highest-random-weight) hashing: the id with the highest score for `value`. The same
 * value keeps its id while that id is among the candidates; when keys come or go, only the values
 * whose winner changed move.
 */
export function rendezvous(value: string, ids: readonly number[]): number | null {
  const seed = fnv1a(value);
  let best: number | null = null;
  let bestScore = -1;
  for (const id of ids) {
    const score = mix(seed ^ mix(id + 0x9e3779b9));
    if (score > bestScore || (score === bestScore && best !== null && id < best)) {
      best = id;
      bestScore = score;
    }
  }
  return best;
}
