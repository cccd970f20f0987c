"use client";

import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { useStats } from "@/lib/swr/hooks";
import { trafficChart } from "@/lib/charts/series";
import { LineChart } from "./charts/line-chart";
import { useSeriesNames } from "./charts/use-series-names";
import { KpiCards } from "./kpi-cards";
import { useFormat } from "./format";
import { StatusBadge } from "./status-badge";
import { KEY_STATUSES } from "@/lib/keys/status";

export function Overview() {
  const t = useTranslations("overview");
  const locale = useLocale();
  const format = useFormat();
  const names = useSeriesNames();
  const { data: stats, error } = useStats({});

  if (error) return <p className="error" role="alert">{error.message}</p>;
  if (!stats) return <p className="muted">{t("loading")}</p>;

  const kpis = [
    { id: "usable", label: t("usableKeys"), value: `${format.number(stats.keys.usable)} / ${format.number(stats.keys.total)}` },
    { id: "requests", label: t("requestsToday"), value: format.number(stats.today.requests) },
    { id: "error-rate", label: t("errorRateToday"), value: format.percent(stats.today.errorRate) },
    { id: "tokens", label: t("tokensToday"), value: format.number(stats.today.promptTokens + stats.today.completionTokens) },
  ];

  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
        <Link href="/stats">{t("moreStats")}</Link>
      </div>
      <KpiCards items={kpis} />
      <section className="card" style={{ marginBottom: "1rem" }}>
        <h2>{t("keysByStatus")}</h2>
        <div className="row">
          {KEY_STATUSES.map((status) => (
            <Link key={status} href={`/keys?status=${status}`} className="row" data-count={status}>
              <StatusBadge status={status} coolingUntil={null} /> <strong>{format.number(stats.keys[status])}</strong>
            </Link>
          ))}
        </div>
        {stats.keys.total === 0 && <p className="muted">{t("noKeys")} <Link href="/keys">{t("addKeys")}</Link></p>}
      </section>
      <section className="card">
        <h2>{t("traffic24h")}</h2>
        <LineChart label={t("traffic24h")} data={trafficChart(stats.series, stats.range.bucket, locale, names)} />
      </section>
    </>
  );
}
