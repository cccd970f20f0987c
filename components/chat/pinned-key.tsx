"use client";

import { useTranslations } from "next-intl";
import { useKeys } from "@/lib/swr/hooks";
import { StatusBadge } from "../status-badge";

/** The key the playground is pinned to ("Try" on the Keys page), and the way back to the whole pool. */
export function PinnedKey({ keyId, onRelease }: { keyId: number; onRelease: () => void }) {
  const t = useTranslations("chat");
  const { data: keys } = useKeys();
  const key = keys?.data.find((item) => item.id === keyId);
  const label = key ? `${key.maskedKey}${key.name ? ` (${key.name})` : ""}` : `#${keyId}`;
  return (
    <div className="banner warning stack" data-testid="pinned-key" style={{ margin: 0 }}>
      <span>
        {t("pinned")} <code>{label}</code>
        {key && key.status !== "active" && <> <StatusBadge status={key.status} coolingUntil={key.coolingUntil} /></>}
      </span>
      {keys && !key && <span className="error small">{t("pinnedUnknown")}</span>}
      <span className="muted small">{t("pinnedHint")}</span>
      <button type="button" className="link" onClick={onRelease} style={{ alignSelf: "flex-start" }}>{t("wholePool")}</button>
    </div>
  );
}
