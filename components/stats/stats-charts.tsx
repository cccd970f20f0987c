"use client";

import { useLocale, useTranslations } from "next-intl";
import type { Stats } from "@/lib/usage/stats";
import { breakdownChart, tokenChart, trafficChart } from "@/lib/charts/series";
import { BarChart } from "../charts/bar-chart";
import { LineChart } from "../charts/line-chart";
import { useFormat } from "../format";
import { useSeriesNames } from "../charts/use-series-names";
import { KpiCards } from "../kpi-cards";

type CostRow = { name: string; requests: number; promptTokens: number; completionTokens: number; costUsd: number; unpriced: number };

/** Requests, tokens and cost per key, model or token; requests of models without a price are counted apart, never as free. */
function CostTable({ title, rows }: { title: string; rows: CostRow[] }) {
  const t = useTranslations("stats");
  const format = useFormat();
  return (
    <div className="card table-wrap">
      <h2>{title}</h2>
      <table>
        <thead>
          <tr>
            <th />
            <th>{t("requests")}</th>
            <th>{t("tokens")}</th>
            <th>{t("cost")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name} data-cost-row={row.name}>
              <td>{row.name}</td>
              <td>{format.number(row.requests)}</td>
              <td>{format.number(row.promptTokens + row.completionTokens)}</td>
              <td>
                {format.usd(row.costUsd)}
                {row.unpriced > 0 && <span className="muted small"> {t("unpriced", { count: row.unpriced })}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

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
    { id: "cost", label: stats.totals.unpriced > 0 ? t("costWithUnpriced", { count: stats.totals.unpriced }) : t("cost"), value: format.usd(stats.totals.costUsd) },
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
      <section className="grid three" style={{ marginBottom: "1rem" }} data-testid="cost-tables">
        <CostTable title={t("costByKey")} rows={stats.perKey.map((row) => ({ ...row, name: row.name || row.maskedKey || t("noKey") }))} />
        <CostTable title={t("costByModel")} rows={stats.perModel.map((row) => ({ ...row, name: row.model || t("noModel") }))} />
        <CostTable title={t("costByToken")} rows={stats.perToken.map((row) => ({ ...row, name: row.name || t("noToken") }))} />
      </section>
    </>
  );
}
