"use client";

import { useState } from "react";
import { useTranslations } from "next-intl";
import { KEY_STATUSES } from "@/lib/keys/status";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";
import { useKeys } from "@/lib/swr/hooks";
import { useUrlState } from "../use-url-state";
import { AddKeys } from "./add-keys";
import { KeyRow } from "./key-row";

export function KeysView() {
  const t = useTranslations("keys");
  const ts = useTranslations("status");
  const { params, set } = useUrlState();
  const status = params.get("status") ?? "";
  const { data, error, mutate } = useKeys();
  const [problem, setProblem] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  const keys = data?.data ?? [];
  const shown = status ? keys.filter((key) => key.status === status) : keys;

  async function checkAll() {
    const targets = shown.filter((key) => key.status !== "disabled");
    setProgress({ done: 0, total: targets.length });
    for (const [index, key] of targets.entries()) {
      await apiSend(`/api/keys/${key.id}/check`, "POST").catch((caught: unknown) => setProblem(errorMessage(caught)));
      setProgress({ done: index + 1, total: targets.length });
      void mutate();
    }
    setProgress(null);
  }

  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
        <div className="row">
          <label className="row small">
            {t("filter")}
            <select aria-label={t("filter")} value={status} onChange={(event) => set("status", event.target.value)}>
              <option value="">{t("allStatuses")}</option>
              {KEY_STATUSES.map((value) => <option key={value} value={value}>{ts(value)}</option>)}
            </select>
          </label>
          <button type="button" onClick={checkAll} disabled={progress !== null || shown.length === 0}>
            {progress ? t("checking", { done: progress.done, total: progress.total }) : t("checkAll")}
          </button>
        </div>
      </div>
      {progress && <progress value={progress.done} max={Math.max(progress.total, 1)} style={{ width: "100%" }} aria-label={t("checkAll")} />}
      <AddKeys onAdded={() => void mutate()} />
      {(problem || error) && <p className="error" role="alert">{problem ?? error?.message}</p>}
      <section className="card table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t("key")}</th>
              <th>{t("name")}</th>
              <th>{t("status")}</th>
              <th>{t("requests")}</th>
              <th className="hide-narrow">{t("tokens")}</th>
              <th className="hide-narrow">{t("lastUsed")}</th>
              <th className="hide-narrow">{t("lastError")}</th>
              <th>{t("actions")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((key) => <KeyRow key={key.id} item={key} onChanged={() => void mutate()} onError={setProblem} />)}
          </tbody>
        </table>
        {data && shown.length === 0 && <p className="muted">{keys.length === 0 ? t("empty") : t("noneWithStatus")}</p>}
      </section>
    </>
  );
}
