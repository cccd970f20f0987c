// Next bundles routes and instrumentation separately, so module state alone would be
// duplicated per bundle; process-wide state lives on globalThis under a named symbol.
export function singleton<T>(name: string, create: () => T): T {
  const slot = Symbol.for(`keypool.${name}`);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  store[slot] ??= create();
  return store[slot];
}
