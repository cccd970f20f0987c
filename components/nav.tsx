"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { apiSend } from "@/lib/swr/fetcher";
import { LanguageSwitch } from "./language-switch";

const LINKS = [
  { href: "/", key: "overview" },
  { href: "/keys", key: "keys" },
  { href: "/stats", key: "stats" },
  { href: "/models", key: "models" },
  { href: "/chat", key: "chat" },
  { href: "/tokens", key: "tokens" },
] as const;

export function Nav() {
  const t = useTranslations("nav");
  const pathname = usePathname();
  const router = useRouter();

  async function logout(everywhere: boolean) {
    if (everywhere) await apiSend("/api/auth/sessions", "DELETE");
    else await apiSend("/api/auth/logout", "POST");
    router.replace("/login");
    router.refresh();
  }

  return (
    <header className="nav">
      <Link href="/" className="brand">KeyPool</Link>
      <nav aria-label={t("main")}>
        {LINKS.map((link) => (
          <Link key={link.href} href={link.href} className={pathname === link.href ? "active" : undefined} aria-current={pathname === link.href ? "page" : undefined}>
            {t(link.key)}
          </Link>
        ))}
      </nav>
      <div className="nav-end">
        <LanguageSwitch />
        <button type="button" onClick={() => void logout(false)}>{t("logout")}</button>
        <button type="button" className="hide-narrow" onClick={() => void logout(true)} title={t("logoutEverywhereHint")}>{t("logoutEverywhere")}</button>
      </div>
    </header>
  );
}
