import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { hasSession } from "@/lib/auth/page-session";
import { LoginForm } from "@/components/login-form";
import { LanguageSwitch } from "@/components/language-switch";

export const dynamic = "force-dynamic";

export default async function LoginPage() {
  if (await hasSession()) redirect("/");
  const t = await getTranslations("login");
  return (
    <main className="login">
      <div className="card login-card">
        <div className="login-head">
          <h1>KeyPool</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t("intro")}</p>
        <LoginForm />
      </div>
    </main>
  );
}
