"use client";

import { useTranslations } from "next-intl";
import { useHealth } from "@/lib/swr/hooks";
import { useFormat } from "./format";

/** On every dashboard page: why requests are failing right now (the upstream breaker, no usable key, the database). */
export function HealthBanner() {
  const t = useTranslations("health");
  const format = useFormat();
  const { data } = useHealth();
  if (!data || data.status === "ok") return null;
  const { upstream } = data;
  let text: string;
  if (data.database !== "ok") text = t("database");
  else if (data.writer.failing) text = t("writer", { queued: data.writer.queued, dropped: data.writer.dropped, error: data.writer.lastError ?? "" });
  else if (upstream.breaker === "open") {
    // The pause is over once retryAt has passed: the next request is the probe.
    const due = upstream.retryAt !== null && Date.parse(upstream.retryAt) > Date.now();
    text = t("breakerOpen", { reason: upstream.reason ?? "", when: due ? format.relative(upstream.retryAt) : t("nextRequest") });
  }
  else if (upstream.breaker === "half-open") text = t("breakerProbing", { reason: upstream.reason ?? "" });
  else text = t("noKeys", { total: data.totalKeys });
  return (
    <p className="banner warning" role="alert" data-testid="health-banner" data-breaker={upstream.breaker} data-writer={data.writer.failing ? "failing" : "ok"}>
      {text}
    </p>
  );
}
