"use client";

import { useFormatter } from "next-intl";

/** Dates and numbers in the viewer's language. */
export function useFormat() {
  const format = useFormatter();
  return {
    number: (value: number | null | undefined) => (value === null || value === undefined ? "–" : format.number(value)),
    percent: (value: number) => format.number(value, { style: "percent", maximumFractionDigits: 1 }),
    dateTime: (iso: string | null | undefined) => (iso ? format.dateTime(new Date(iso), { dateStyle: "short", timeStyle: "medium" }) : "–"),
    relative: (iso: string | null | undefined) => (iso ? format.relativeTime(new Date(iso)) : "–"),
    /** USD with enough digits for a single cheap call; "–" for nothing known. */
    usd: (value: number | null | undefined) =>
      value === null || value === undefined ? "–" : format.number(value, { style: "currency", currency: "USD", maximumSignificantDigits: value !== 0 && Math.abs(value) < 1 ? 3 : 6 }),
  };
}
