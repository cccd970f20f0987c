"use client";

import { useState } from "react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import type { PublicKey } from "@/lib/keys/schemas";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";
import { StatusBadge } from "../status-badge";
import { useFormat } from "../format";

export function KeyRow({ item, onChanged, onError }: { item: PublicKey; onChanged: () => void; onError: (message: string) => void }) {
  const t = useTranslations("keys");
  const format = useFormat();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function act(run: () => Promise<unknown>) {
    setBusy(true);
    try {
      await run();
      onChanged();
    } catch (caught) {
      onError(errorMessage(caught));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  const toggle = () => act(() => apiSend(`/api/keys/${item.id}`, "PUT", { status: item.status === "disabled" ? "active" : "disabled" }));
  const check = () => act(() => apiSend(`/api/keys/${item.id}/check`, "POST"));
  const remove = () => act(() => apiSend(`/api/keys/${item.id}`, "DELETE"));

  return (
    <tr data-key={item.maskedKey}>
      <td className="mono">{item.maskedKey}</td>
      <td>{item.name || <span className="muted">–</span>}</td>
      <td>
        <StatusBadge status={item.status} coolingUntil={item.coolingUntil} />
        {item.models !== null && <div className="muted small" data-testid="key-models">{t("models", { count: item.models })}</div>}
        {item.resting && (
          <div className="small" data-testid="key-resting" title={format.dateTime(item.resting.until)}>
            {t(item.resting.reason === "rpm" ? "restingRpm" : "restingBudget", { when: format.relative(item.resting.until) })}
          </div>
        )}
        {(item.rpm !== null || item.dailyBudgetUsd !== null) && (
          <div className="muted small" data-testid="key-caps">
            {[item.rpm !== null && t("capRpm", { value: item.rpm }), item.dailyBudgetUsd !== null && t("capBudget", { value: format.usd(item.dailyBudgetUsd) })].filter(Boolean).join(" · ")}
          </div>
        )}
        {item.refused.length > 0 && (
          <div className="muted small" data-testid="key-refused" title={t("refusedHint")}>
            {t("refused", { list: item.refused.map((subject) => subject.replace(/^endpoint:/, "/v1/").replace(/^model:/, "")).join(", ") })}
          </div>
        )}
      </td>
      <td>{format.number(item.usage.requests)}{item.usage.errors > 0 && <span className="muted"> ({t("errorsShort", { count: item.usage.errors })})</span>}</td>
      <td className="hide-narrow">{format.number(item.usage.promptTokens + item.usage.completionTokens)}</td>
      <td className="hide-narrow" title={format.dateTime(item.lastUsedAt)}>{format.relative(item.lastUsedAt)}</td>
      <td className="hide-narrow small" title={item.lastError ?? undefined} style={{ maxWidth: 260 }}>
        {item.lastError ? `${item.lastError.slice(0, 80)}${item.lastError.length > 80 ? "…" : ""}` : "–"}
        {item.lastCheckedAt && <div className="muted" data-testid="last-checked" title={format.dateTime(item.lastCheckedAt)}>{t("checked", { when: format.relative(item.lastCheckedAt) })}</div>}
      </td>
      <td>
        <div className="row actions">
          <Link className="button" href={`/chat?keyId=${item.id}`} title={t("tryHint")}>{t("try")}</Link>
          <button type="button" onClick={check} disabled={busy}>{t("check")}</button>
          <button type="button" onClick={toggle} disabled={busy}>{item.status === "disabled" ? t("enable") : t("disable")}</button>
          {confirming ? (
            <>
              <button type="button" className="danger" onClick={remove} disabled={busy}>{t("confirmDelete")}</button>
              <button type="button" onClick={() => setConfirming(false)}>{t("cancel")}</button>
            </>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy}>{t("delete")}</button>
          )}
        </div>
      </td>
    </tr>
  );
}
