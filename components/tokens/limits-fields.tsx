"use client";

import { useTranslations } from "next-intl";
import type { PublicToken } from "@/lib/tokens/queries";

type Limits = Pick<PublicToken, "rpm" | "tpm" | "models" | "expiresAt" | "monthlyBudgetUsd" | "maxConcurrent">;

/** The limit inputs of a token form; empty means no limit. */
export function LimitsFields({ value }: { value?: Limits }) {
  const t = useTranslations("tokens");
  const number = (name: keyof Limits, step: string, current: number | null | undefined) => (
    <label className="field">
      <span>{t(`limit.${name}`)}</span>
      <input name={name} type="number" min="0" step={step} defaultValue={current ?? ""} placeholder={t("noLimit")} />
    </label>
  );
  return (
    <div className="grid limits">
      {number("rpm", "1", value?.rpm)}
      {number("tpm", "1", value?.tpm)}
      {number("maxConcurrent", "1", value?.maxConcurrent)}
      {number("monthlyBudgetUsd", "0.01", value?.monthlyBudgetUsd)}
      <label className="field">
        <span>{t("limit.models")}</span>
        <input name="models" defaultValue={value?.models.join(", ") ?? ""} placeholder={t("allModels")} />
      </label>
      <label className="field">
        <span>{t("limit.expiresAt")}</span>
        <input name="expiresAt" type="datetime-local" defaultValue={value?.expiresAt ? value.expiresAt.slice(0, 16) : ""} />
      </label>
    </div>
  );
}

/** The limits a form holds, as the API takes them: empty fields clear a limit. */
export function limitsFrom(form: HTMLFormElement): Record<string, unknown> {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? "").trim();
  const number = (name: string) => (text(name) === "" ? null : Number(text(name)));
  const expires = text("expiresAt");
  return {
    rpm: number("rpm"),
    tpm: number("tpm"),
    maxConcurrent: number("maxConcurrent"),
    monthlyBudgetUsd: number("monthlyBudgetUsd"),
    models: text("models")
      .split(/[\s,]+/)
      .filter(Boolean),
    expiresAt: expires === "" ? null : new Date(expires).toISOString(),
  };
}
