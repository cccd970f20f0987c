"use client";

import { useTranslations } from "next-intl";

export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations("errors");
  return (
    <section className="card stack" role="alert">
      <h1>{t("title")}</h1>
      <p className="muted">{t("detail")}</p>
      {error.digest && <p className="small muted">{t("reference", { digest: error.digest })}</p>}
      <div><button type="button" className="primary" onClick={reset}>{t("retry")}</button></div>
    </section>
  );
}
