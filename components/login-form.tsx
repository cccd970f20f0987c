"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { apiSend } from "@/lib/swr/fetcher";

export function LoginForm() {
  const t = useTranslations("login");
  const router = useRouter();
  const [adminKey, setAdminKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiSend("/api/auth/login", "POST", { adminKey });
      router.replace("/");
      router.refresh();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <label className="field">
        <span>{t("adminKey")}</span>
        <input type="password" autoComplete="current-password" value={adminKey} onChange={(event) => setAdminKey(event.target.value)} required autoFocus />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={busy || adminKey.length === 0}>
        {busy ? t("signingIn") : t("signIn")}
      </button>
      <p className="muted small">{t("hint")}</p>
    </form>
  );
}
