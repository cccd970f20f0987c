"use client";

import { useEffect } from "react";

/** Marks the page interactive (html[data-hydrated]); browser tests wait for it before they type. */
export function HydrationMark() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
