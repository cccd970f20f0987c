"use client";

import { useEffect, useState } from "react";

export const RANGES = { "24h": 24, "7d": 24 * 7, "30d": 24 * 30 } as const;
export type RangeName = keyof typeof RANGES;

export function isRange(value: string | null): value is RangeName {
  return value !== null && value in RANGES;
}

/** The window's start, moved on once a minute so live views advance without refetching every render. */
export function useRangeStart(range: RangeName): string {
  const [minute, setMinute] = useState(() => Math.floor(Date.now() / 60_000));
  useEffect(() => {
    const timer = setInterval(() => setMinute(Math.floor(Date.now() / 60_000)), 15_000);
    return () => clearInterval(timer);
  }, []);
  return new Date((minute + 1) * 60_000 - RANGES[range] * 3600_000).toISOString();
}
