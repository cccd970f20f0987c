"use client";

import { useTranslations } from "next-intl";
import { useStats, useTokens } from "@/lib/swr/hooks";
import { useUrlState } from "../use-url-state";
import { StatsCharts } from "./stats-charts";
import { RequestLog } from "./request-log";
import { isRange, RANGES, useRangeStart, type RangeName } from "./use-range";

export function StatsView() {
  const t = useTranslations("stats");
  const { params, set } = useUrlState();
  const rangeParam = params.get("range");
  const range: RangeName = isRange(rangeParam) ? rangeParam : "24h";
  const bucket = params.get("bucket") === "day" || (params.get("bucket") !== "hour" && range !== "24h") ? "day" : "hour";
  const from = useRangeStart(range);
  const tokenId = params.get("tokenId") ?? "";
  const { data: stats, error } = useStats({ from, bucket, tokenId });
  const { data: tokens } = useTokens();

  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
        <div className="row">
          <label className="row small">
            {t("range")}
            <select aria-label={t("range")} value={range} onChange={(event) => set("range", event.target.value)}>
              {Object.keys(RANGES).map((name) => <option key={name} value={name}>{t(`ranges.${name}`)}</option>)}
            </select>
          </label>
          <label className="row small">
            {t("token")}
            <select aria-label={t("token")} value={tokenId} onChange={(event) => set("tokenId", event.target.value)}>
              <option value="">{t("allTraffic")}</option>
              {tokens?.data.map((token) => <option key={token.id} value={token.id}>{token.name}</option>)}
            </select>
          </label>
          <label className="row small">
            {t("bucket")}
            <select aria-label={t("bucket")} value={bucket} onChange={(event) => set("bucket", event.target.value)}>
              <option value="hour">{t("hour")}</option>
              <option value="day">{t("day")}</option>
            </select>
          </label>
        </div>
      </div>
      {error && <p className="error" role="alert">{error.message}</p>}
      {stats ? <StatsCharts stats={stats} /> : !error && <p className="muted">{t("loading")}</p>}
      <RequestLog from={from} models={stats?.perModel ?? []} />
    </>
  );
}
