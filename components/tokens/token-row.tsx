"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "next-intl";
import type { PublicToken } from "@/lib/tokens/queries";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";
import { useFormat } from "../format";
import { LimitsFields, limitsFrom } from "./limits-fields";

export function TokenRow({ token, onChanged, onError }: { token: PublicToken; onChanged: () => void; onError: (message: string) => void }) {
  const t = useTranslations("tokens");
  const format = useFormat();
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);

  async function saveLimits(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      await apiSend(`/api/tokens/${token.id}`, "PATCH", limitsFrom(event.currentTarget));
      setEditing(false);
      onChanged();
    } catch (caught) {
      onError(errorMessage(caught));
    }
  }

  const limits = [
    token.rpm !== null && t("summary.rpm", { value: token.rpm }),
    token.tpm !== null && t("summary.tpm", { value: token.tpm }),
    token.maxConcurrent !== null && t("summary.maxConcurrent", { value: token.maxConcurrent }),
    token.monthlyBudgetUsd !== null && t("summary.budget", { value: format.usd(token.monthlyBudgetUsd) }),
    token.models.length > 0 && token.models.join(", "),
    token.expiresAt !== null && t("summary.expires", { when: format.dateTime(token.expiresAt) }),
  ].filter(Boolean);
  const { usage } = token;

  async function revoke() {
    try {
      await apiSend(`/api/tokens/${token.id}`, "DELETE");
      onChanged();
    } catch (caught) {
      onError(errorMessage(caught));
    }
  }

  return (
    <tr data-token={token.name}>
      <td>{token.name}</td>
      <td className="mono">{token.prefix}…</td>
      <td className="small" data-testid="token-limits">
        {editing ? (
          <form className="stack" onSubmit={(event) => void saveLimits(event)} aria-label={t("editLimits")}>
            <LimitsFields value={token} />
            <div className="row">
              <button type="submit" className="primary">{t("save")}</button>
              <button type="button" onClick={() => setEditing(false)}>{t("cancel")}</button>
            </div>
          </form>
        ) : limits.length > 0 ? limits.join(" · ") : <span className="muted">{t("noLimits")}</span>}
      </td>
      <td className="small" data-testid="token-usage">
        {t("usage", { requests: usage.requests, tokens: format.number(usage.promptTokens + usage.completionTokens) })}
        <div>
          <strong data-testid="token-cost">{format.usd(usage.costUsd)}</strong>
          {usage.unpriced > 0 && <span className="muted"> {t("unpriced", { count: usage.unpriced })}</span>}
        </div>
      </td>
      <td>{token.lastUsedAt ? format.relative(token.lastUsedAt) : t("never")}</td>
      <td>
        {!editing && <button type="button" onClick={() => setEditing(true)}>{t("editLimits")}</button>}
        {confirming ? (
          <div className="row">
            <button type="button" className="danger" onClick={() => void revoke()}>{t("confirmRevoke")}</button>
            <button type="button" onClick={() => setConfirming(false)}>{t("cancel")}</button>
          </div>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>{t("revoke")}</button>
        )}
      </td>
    </tr>
  );
}
