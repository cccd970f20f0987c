"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";

/**
 * View state kept in the URL so it can be bookmarked: `set` replaces one parameter (an empty
 * value removes it) and, unless it is the page itself, goes back to the first page.
 */
export function useUrlState() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== "page") next.delete("page");
    const query = next.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  return { params, set };
}
