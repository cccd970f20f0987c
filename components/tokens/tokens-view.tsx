"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "next-intl";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";
import { useTokens } from "@/lib/swr/hooks";
import { LimitsFields, limitsFrom } from "./limits-fields";
import { TokenRow } from "./token-row";

export function TokensView() {
  const t = useTranslations("tokens");
  const { data, error, mutate } = useTokens();
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    setProblem(null);
    try {
      // Read from the form itself, so a name typed before the page became interactive counts.
      const name = String(new FormData(form).get("name") ?? "").trim();
      const result = await apiSend<{ name: string; token: string }>("/api/tokens", "POST", { name, ...limitsFrom(form) });
      setCreated({ name: result.name, token: result.token });
      setCopied(false);
      form.reset();
      void mutate();
    } catch (caught) {
      setProblem(errorMessage(caught));
    }
  }

  async function copy() {
    if (!created) return;
    await navigator.clipboard.writeText(created.token).then(() => setCopied(true), () => setProblem(t("copyFailed")));
  }

  const origin = typeof window === "undefined" ? "" : window.location.origin;
  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
      </div>
      <section className="card stack" style={{ marginBottom: "1rem" }}>
        <p className="muted small">{t("intro", { baseUrl: `${origin}/v1` })}</p>
        <form className="stack" onSubmit={create} aria-label={t("create")}>
          <div className="row">
            <input name="name" aria-label={t("name")} placeholder={t("namePlaceholder")} required maxLength={100} />
            <button type="submit" className="primary">{t("create")}</button>
          </div>
          <details>
            <summary>{t("limits")}</summary>
            <LimitsFields />
          </details>
        </form>
        {created && (
          <div className="banner stack" data-testid="new-token">
            <strong>{t("createdTitle", { name: created.name })}</strong>
            <span className="small">{t("shownOnce")}</span>
            <div className="row">
              <code data-testid="token-value">{created.token}</code>
              <button type="button" onClick={() => void copy()}>{copied ? t("copied") : t("copy")}</button>
              <button type="button" className="link" onClick={() => setCreated(null)}>{t("dismiss")}</button>
            </div>
          </div>
        )}
        {(problem || error) && <p className="error" role="alert">{problem ?? error?.message}</p>}
      </section>
      <section className="card table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t("name")}</th>
              <th>{t("prefix")}</th>
              <th>{t("limits")}</th>
              <th>{t("thisMonth")}</th>
              <th>{t("lastUsed")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.data.map((token) => <TokenRow key={token.id} token={token} onChanged={() => void mutate()} onError={setProblem} />)}
          </tbody>
        </table>
        {data && data.data.length === 0 && <p className="muted">{t("empty")}</p>}
      </section>
    </>
  );
}
