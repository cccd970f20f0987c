"use client";

import { useState } from "react";
import { useTranslations } from "next-intl";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";
import { useModels } from "@/lib/swr/hooks";
import { ModelRow } from "./model-row";

type SyncResult = { added: number; updated: number; total: number; keys: { synced: number; failed: number } };

export function ModelsView() {
  const t = useTranslations("models");
  const { data, error, mutate } = useModels();
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [syncing, setSyncing] = useState(false);

  async function sync() {
    setSyncing(true);
    setMessage(null);
    try {
      const result = await apiSend<SyncResult>("/api/models/sync", "POST");
      setMessage({ kind: "success", text: t("synced", { added: result.added, updated: result.updated, total: result.total, keys: result.keys.synced, failed: result.keys.failed }) });
      void mutate();
    } catch (caught) {
      setMessage({ kind: "error", text: errorMessage(caught) });
    } finally {
      setSyncing(false);
    }
  }

  const models = data?.data ?? [];
  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
        <button type="button" className="primary" onClick={sync} disabled={syncing}>{syncing ? t("syncing") : t("sync")}</button>
      </div>
      {message && <p className={message.kind} role="status" data-testid="sync-result">{message.text}</p>}
      {error && <p className="error" role="alert">{error.message}</p>}
      <section className="card table-wrap" style={{ marginTop: "0.75rem" }}>
        <table>
          <thead>
            <tr>
              <th>{t("name")}</th>
              <th>{t("description")}</th>
              <th>{t("requests")}</th>
              <th className="hide-narrow">{t("tokens")}</th>
              <th className="hide-narrow">{t("lastUsed")}</th>
              <th>{t("enabled")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((model) => <ModelRow key={model.id} model={model} onChanged={() => void mutate()} onError={(text) => setMessage({ kind: "error", text })} />)}
          </tbody>
        </table>
        {data && models.length === 0 && <p className="muted">{t("empty")}</p>}
      </section>
    </>
  );
}
