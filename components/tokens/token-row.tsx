"use client";

import { useState } from "react";
import { useTranslations } from "next-intl";
import type { PublicToken } from "@/lib/tokens/queries";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";
import { useFormat } from "../format";

export function TokenRow({ token, onChanged, onError }: { token: PublicToken; onChanged: () => void; onError: (message: string) => void }) {
  const t = useTranslations("tokens");
  const format = useFormat();
  const [confirming, setConfirming] = useState(false);

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
      <td className="hide-narrow">{format.dateTime(token.createdAt)}</td>
      <td>{token.lastUsedAt ? format.relative(token.lastUsedAt) : t("never")}</td>
      <td>
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
