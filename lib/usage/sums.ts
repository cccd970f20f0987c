/** An aggregate's sums with the nulls of an empty group read as 0 (Prisma's `_sum` of a groupBy). */
export function sumsOf<Sums extends Record<string, number | null>>(sums: Sums): { [Field in keyof Sums]: number } {
  return Object.fromEntries(Object.entries(sums).map(([field, value]) => [field, value ?? 0])) as { [Field in keyof Sums]: number };
}
