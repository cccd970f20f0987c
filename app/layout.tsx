import type { ReactNode } from "react";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import { HydrationMark } from "@/components/hydration-mark";
import "./globals.css";

export async function generateMetadata() {
  const t = await getTranslations("app");
  return { title: "KeyPool", description: t("tagline") };
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const locale = await getLocale();
  return (
    <html lang={locale === "zh" ? "zh-CN" : "en"}>
      <body>
        <NextIntlClientProvider>
          {children}
          <HydrationMark />
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
