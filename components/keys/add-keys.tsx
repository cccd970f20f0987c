"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "next-intl";
import { apiSend } from "@/lib/swr/fetcher";

type AddResult = { added: number; duplicates: string[]; malformed: string[] };

/** One key with a name, or a pasted block of many; inputs are cleared so no key stays on screen. */
export function AddKeys({ onAdded }: { onAdded: () => void }) {
  const t = useTranslations("keys");
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(body: object, clear: () => void) {
    setBusy(true);
    setMessage(null);
    try {
      const result = await apiSend<AddResult>("/api/keys", "POST", body);
      const parts = [t("added", { count: result.added })];
      if (result.duplicates.length > 0) parts.push(t("duplicates", { count: result.duplicates.length, keys: result.duplicates.join(", ") }));
      if (result.malformed.length > 0) parts.push(t("malformed", { count: result.malformed.length, keys: result.malformed.join(", ") }));
      setMessage({ kind: result.added > 0 ? "success" : "error", text: parts.join(" · ") });
      clear();
      onAdded();
    } catch (caught) {
      setMessage({ kind: "error", text: caught instanceof Error ? caught.message : String(caught) });
    } finally {
      setBusy(false);
    }
  }

  const addOne = (event: FormEvent) => {
    event.preventDefault();
    void send({ key, ...(name ? { name } : {}) }, () => {
      setKey("");
      setName("");
    });
  };
  const addMany = (event: FormEvent) => {
    event.preventDefault();
    void send({ text }, () => setText(""));
  };

  return (
    <section className="grid two" style={{ marginBottom: "1rem" }}>
      <form className="card stack" onSubmit={addOne} aria-label={t("addOne")}>
        <h2>{t("addOne")}</h2>
        <label className="field">
          <span>{t("key")}</span>
          <input name="key" type="password" autoComplete="off" placeholder="sk-…" value={key} onChange={(event) => setKey(event.target.value)} required />
        </label>
        <label className="field">
          <span>{t("name")}</span>
          <input name="name" value={name} onChange={(event) => setName(event.target.value)} placeholder={t("namePlaceholder")} />
        </label>
        <div><button type="submit" className="primary" disabled={busy || !key}>{t("add")}</button></div>
      </form>
      <form className="card stack" onSubmit={addMany} aria-label={t("paste")}>
        <h2>{t("paste")}</h2>
        <label className="field">
          <span>{t("pasteHint")}</span>
          <textarea name="bulk" rows={5} autoComplete="off" spellCheck={false} value={text} onChange={(event) => setText(event.target.value)} />
        </label>
        <div><button type="submit" className="primary" disabled={busy || !text.trim()}>{t("addAll")}</button></div>
      </form>
      {message && <p className={message.kind} role="status" data-testid="add-result">{message.text}</p>}
    </section>
  );
}
