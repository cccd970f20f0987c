"use client";

import { useLocale, useTranslations } from "next-intl";
import type { Stats } from "@/lib/usage/stats";
import { breakdownChart, tokenChart, trafficChart } from "@/lib/charts/series";
import { BarChart } from "../charts/bar-chart";
import { LineChart } from "../charts/line-chart";
import { useFormat } from "../format";
import { useSeriesNames } from "../charts/use-series-names";
import { KpiCards } from "../kpi-cards";

export function StatsCharts({ stats }: { stats: Stats }) {
  const t = useTranslations("stats");
  const locale = useLocale();
  const format = useFormat();
  const names = useSeriesNames();
  const bucket = stats.range.bucket;
  const totals = [
    { id: "requests", label: t("requests"), value: format.number(stats.totals.requests) },
    { id: "errors", label: t("errorRate"), value: format.percent(stats.totals.errorRate) },
    { id: "tokens", label: t("tokens"), value: format.number(stats.totals.promptTokens + stats.totals.completionTokens) },
    { id: "latency", label: t("avgLatency"), value: `${format.number(stats.totals.avgLatencyMs)} ms` },
  ];
  return (
    <>
      <KpiCards items={totals} />
      <section className="grid two" style={{ marginBottom: "1rem" }}>
        <div className="card">
          <h2>{t("traffic")}</h2>
          <LineChart label={t("traffic")} data={trafficChart(stats.series, bucket, locale, names)} />
        </div>
        <div className="card">
          <h2>{t("tokensOverTime")}</h2>
          <LineChart label={t("tokensOverTime")} stacked data={tokenChart(stats.series, bucket, locale, names)} />
        </div>
        <div className="card">
          <h2>{t("perKey")}</h2>
          <BarChart label={t("perKey")} data={breakdownChart(stats.perKey, (row) => row.name || row.maskedKey || t("noKey"), names)} />
        </div>
        <div className="card">
          <h2>{t("perModel")}</h2>
          <BarChart label={t("perModel")} data={breakdownChart(stats.perModel, (row) => row.model || t("noModel"), names)} />
        </div>
      </section>
    </>
  );
}
