"use client";

import { useState } from "react";
import { useTranslations } from "next-intl";
import { queryString, useKeys, useRequestLog } from "@/lib/swr/hooks";
import type { Stats } from "@/lib/usage/stats";
import { useFormat } from "../format";
import { useUrlState } from "../use-url-state";
import { LogDetail } from "./log-detail";

const PAGE_SIZE = 25;

/** The request log with its filters and page in the URL, so a view can be bookmarked. */
export function RequestLog({ from, models }: { from: string; models: Stats["perModel"] }) {
  const t = useTranslations("log");
  const format = useFormat();
  const { params, set } = useUrlState();
  const [selected, setSelected] = useState<number | null>(null);
  const keyId = params.get("keyId") ?? "";
  const model = params.get("model") ?? "";
  const status = params.get("status") ?? "";
  const tokenId = params.get("tokenId") ?? "";
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);
  const { data, error } = useRequestLog({ keyId, model, status, tokenId, from, page, pageSize: PAGE_SIZE });
  const { data: keys } = useKeys();

  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  return (
    <section className="stack">
      <div className="card">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2>{t("title")}</h2>
          {/* The same filters as the table; the file holds every matching row, not only this page. */}
          <a className="button" href={`/api/usage/export${queryString({ keyId, model, status, tokenId, from })}`} download title={t("downloadCsvHint")} data-testid="download-csv">{t("downloadCsv")}</a>
        </div>
        <div className="filters">
          <label className="field">
            <span>{t("key")}</span>
            <select aria-label={t("key")} value={keyId} onChange={(event) => set("keyId", event.target.value)}>
              <option value="">{t("all")}</option>
              {keys?.data.map((key) => <option key={key.id} value={key.id}>{key.name ? `${key.name} (${key.maskedKey})` : key.maskedKey}</option>)}
            </select>
          </label>
          <label className="field">
            <span>{t("model")}</span>
            <select aria-label={t("model")} value={model} onChange={(event) => set("model", event.target.value)}>
              <option value="">{t("all")}</option>
              {models.filter((row) => row.model).map((row) => <option key={row.model} value={row.model ?? ""}>{row.model}</option>)}
            </select>
          </label>
          <label className="field">
            <span>{t("status")}</span>
            <select aria-label={t("status")} value={status} onChange={(event) => set("status", event.target.value)}>
              <option value="">{t("all")}</option>
              <option value="success">{t("success")}</option>
              <option value="error">{t("errors")}</option>
            </select>
          </label>
        </div>
        {error && <p className="error">{error.message}</p>}
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t("time")}</th>
                <th>{t("endpoint")}</th>
                <th>{t("model")}</th>
                <th>{t("key")}</th>
                <th>{t("status")}</th>
                <th className="hide-narrow">{t("latency")}</th>
                <th className="hide-narrow">{t("tokens")}</th>
                <th className="hide-narrow">{t("cost")}</th>
              </tr>
            </thead>
            <tbody>
              {data?.data.map((row) => (
                <tr key={row.id} className={`clickable${selected === row.id ? " selected" : ""}`} onClick={() => setSelected(row.id)} data-log-row={row.id}>
                  <td>{format.dateTime(row.createdAt)}</td>
                  <td className="mono">{row.endpoint}{row.stream ? " ⇢" : ""}{row.source === "playground" ? ` · ${t("playground")}` : ""}</td>
                  <td>{row.model ?? "–"}</td>
                  <td className="mono">{row.maskedKey ?? "–"}</td>
                  <td><span className={`badge ${row.status < 400 && !row.error ? "active" : "invalid"}`} title={row.error ?? undefined}>{row.status}</span></td>
                  <td className="hide-narrow">{row.latencyMs} ms</td>
                  <td className="hide-narrow">{row.promptTokens === null ? "–" : `${format.number(row.promptTokens)} / ${format.number(row.completionTokens)}`}</td>
                  <td className="hide-narrow" data-testid="row-cost">{row.costUsd === null ? (row.promptTokens === null ? "–" : t("unpriced")) : format.usd(row.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {data && data.total === 0 && <p className="muted">{t("empty")}</p>}
        <div className="pager">
          <span className="small muted" data-testid="log-total">{t("total", { count: data?.total ?? 0 })}</span>
          <button type="button" onClick={() => set("page", String(page - 1))} disabled={page <= 1}>{t("previous")}</button>
          <span className="small">{t("page", { page, pages })}</span>
          <button type="button" onClick={() => set("page", String(page + 1))} disabled={page >= pages}>{t("next")}</button>
        </div>
      </div>
      {selected !== null && <LogDetail id={selected} onClose={() => setSelected(null)} />}
    </section>
  );
}
