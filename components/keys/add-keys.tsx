"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "next-intl";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";

type AddResult = { added: number; duplicates: string[]; malformed: string[] };

// Fields are read from the form itself, so what was typed before the page became interactive counts.
const field = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? "").trim();

/** One key with a name, or a pasted block of many; the form is cleared so no key stays on screen. */
export function AddKeys({ onAdded }: { onAdded: () => void }) {
  const t = useTranslations("keys");
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(event: FormEvent<HTMLFormElement>, body: (form: HTMLFormElement) => object) {
    event.preventDefault();
    const form = event.currentTarget;
    setBusy(true);
    setMessage(null);
    try {
      const result = await apiSend<AddResult>("/api/keys", "POST", body(form));
      const parts = [t("added", { count: result.added })];
      if (result.duplicates.length > 0) parts.push(t("duplicates", { count: result.duplicates.length, keys: result.duplicates.join(", ") }));
      if (result.malformed.length > 0) parts.push(t("malformed", { count: result.malformed.length, keys: result.malformed.join(", ") }));
      setMessage({ kind: result.added > 0 ? "success" : "error", text: parts.join(" · ") });
      form.reset();
      onAdded();
    } catch (caught) {
      setMessage({ kind: "error", text: errorMessage(caught) });
    } finally {
      setBusy(false);
    }
  }

  const one = (form: HTMLFormElement) => {
    const name = field(form, "name");
    return { key: field(form, "key"), ...(name ? { name } : {}) };
  };

  return (
    <section className="grid two" style={{ marginBottom: "1rem" }}>
      <form className="card stack" onSubmit={(event) => void send(event, one)} aria-label={t("addOne")}>
        <h2>{t("addOne")}</h2>
        <label className="field">
          <span>{t("key")}</span>
          <input name="key" type="password" autoComplete="off" placeholder="sk-…" required />
        </label>
        <label className="field">
          <span>{t("name")}</span>
          <input name="name" placeholder={t("namePlaceholder")} maxLength={100} />
        </label>
        <div><button type="submit" className="primary" disabled={busy}>{t("add")}</button></div>
      </form>
      <form className="card stack" onSubmit={(event) => void send(event, (form) => ({ text: field(form, "bulk") }))} aria-label={t("paste")}>
        <h2>{t("paste")}</h2>
        <label className="field">
          <span>{t("pasteHint")}</span>
          <textarea name="bulk" rows={5} autoComplete="off" spellCheck={false} required />
        </label>
        <div><button type="submit" className="primary" disabled={busy}>{t("addAll")}</button></div>
      </form>
      {message && <p className={message.kind} role="status" data-testid="add-result">{message.text}</p>}
    </section>
  );
}
