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
  };
}
