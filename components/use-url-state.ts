"use client";

import { useRef } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";

/**
 * View state kept in the URL so it can be bookmarked: `set` replaces one parameter (an empty
 * value removes it) and, unless it is the page itself, goes back to the first page.
 */
export function useUrlState() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  // The query the last set() asked for, and the one it was made from: until that navigation lands,
  // a second set() builds on it, so two quick changes (two filters) both stay.
  const pending = useRef<{ from: string; query: string } | null>(null);
  const set = (name: string, value: string) => {
    const current = params.toString();
    const next = new URLSearchParams(pending.current?.from === current ? pending.current.query : current);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== "page") next.delete("page");
    const query = next.toString();
    pending.current = { from: current, query };
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  return { params, set };
}
