"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";

/** Remembers the choice in a cookie for a year; the server renders in it from then on. */
export function LanguageSwitch() {
  const locale = useLocale();
  const router = useRouter();
  const t = useTranslations("nav");
  const choose = (next: string) => {
    document.cookie = `locale=${next}; Path=/; Max-Age=31536000; SameSite=Lax`;
    router.refresh();
  };
  return (
    <select aria-label={t("language")} className="language" value={locale} onChange={(event) => choose(event.target.value)}>
      <option value="en">English</option>
      <option value="zh">中文</option>
    </select>
  );
}
