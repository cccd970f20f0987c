"use client";

import { useTranslations } from "next-intl";

/** Dataset names for the traffic and token charts, in the viewer's language. */
export function useSeriesNames() {
  const t = useTranslations("charts");
  return { requests: t("requests"), errors: t("errors"), prompt: t("promptTokens"), completion: t("completionTokens") };
}
