"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "next-intl";
import type { PublicModel } from "@/lib/models/queries";
import { apiSend, errorMessage } from "@/lib/swr/fetcher";
import { useFormat } from "../format";

export function ModelRow({ model, onChanged, onError }: { model: PublicModel; onChanged: () => void; onError: (message: string) => void }) {
  const t = useTranslations("models");
  const format = useFormat();
  const [editing, setEditing] = useState(false);
  const [description, setDescription] = useState(model.description);
  const [capabilities, setCapabilities] = useState(model.capabilities.join(", "));
  const override = model.price?.source === "override" ? model.price : null;
  const [prices, setPrices] = useState({ input: override ? String(override.input) : "", cachedInput: override ? String(override.cachedInput) : "", output: override ? String(override.output) : "" });
  // Shown at once; the list's refresh confirms it, a failure puts it back.
  const [enabled, setEnabled] = useState(model.enabled);
  useEffect(() => setEnabled(model.enabled), [model.enabled]);

  async function toggle(next: boolean) {
    setEnabled(next);
    if (!(await save({ enabled: next }))) setEnabled(!next);
  }

  async function save(changes: object): Promise<boolean> {
    try {
      await apiSend(`/api/models/${model.id}`, "PUT", changes);
      setEditing(false);
      onChanged();
      return true;
    } catch (caught) {
      onError(errorMessage(caught));
      return false;
    }
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Input and output given: an override; both empty: back to the bundled table.
    const price =
      prices.input.trim() === "" && prices.output.trim() === ""
        ? null
        : { input: Number(prices.input), output: Number(prices.output), ...(prices.cachedInput.trim() === "" ? {} : { cachedInput: Number(prices.cachedInput) }) };
    void save({ description, capabilities: capabilities.split(",").map((item) => item.trim()).filter(Boolean), price });
  };

  return (
    <tr data-model={model.name}>
      <td className="mono">{model.name}<div className="small muted">{model.source === "manual" ? t("manual") : model.ownedBy ?? t("upstream")}</div></td>
      <td>
        {editing ? (
          <form onSubmit={submit} className="stack" aria-label={t("edit")}>
            <textarea aria-label={t("description")} rows={2} value={description} onChange={(event) => setDescription(event.target.value)} />
            <input aria-label={t("capabilities")} value={capabilities} onChange={(event) => setCapabilities(event.target.value)} placeholder="chat, vision" />
            <div className="row small">
              {(["input", "cachedInput", "output"] as const).map((field) => (
                <label key={field} className="field">
                  <span>{t(`price.${field}`)}</span>
                  <input type="number" min="0" step="any" value={prices[field]} onChange={(event) => setPrices({ ...prices, [field]: event.target.value })} placeholder={model.price && model.price.source === "bundled" ? String(model.price[field]) : "–"} />
                </label>
              ))}
            </div>
            <div className="row">
              <button type="submit" className="primary">{t("save")}</button>
              <button type="button" onClick={() => setEditing(false)}>{t("cancel")}</button>
            </div>
          </form>
        ) : (
          <>
            <div>{model.description || <span className="muted">–</span>}</div>
            <div className="row small">{model.capabilities.map((capability) => <span key={capability} className="badge disabled">{capability}</span>)}</div>
            <div className="small muted" data-testid="model-price">
              {model.price
                ? t(model.price.source === "override" ? "priceOverride" : "priceBundled", { input: format.usd(model.price.input), cachedInput: format.usd(model.price.cachedInput), output: format.usd(model.price.output) })
                : t("noPrice")}
            </div>
          </>
        )}
      </td>
      <td>{format.number(model.usage.requests)}</td>
      <td className="hide-narrow">{format.number(model.usage.promptTokens + model.usage.completionTokens)}</td>
      <td className="hide-narrow">{format.relative(model.usage.lastUsedAt)}</td>
      <td>
        <label className="row small">
          <input type="checkbox" checked={enabled} onChange={(event) => void toggle(event.target.checked)} aria-label={t("enabledFor", { name: model.name })} />
          {enabled ? t("enabled") : t("disabled")}
        </label>
      </td>
      <td>{!editing && <button type="button" onClick={() => setEditing(true)}>{t("edit")}</button>}</td>
    </tr>
  );
}
