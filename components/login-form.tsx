"use client";

import { useActionState } from "react";
import { useTranslations } from "next-intl";
import { signIn, type SignInState } from "@/app/login/actions";

const initial: SignInState = { error: null };

/** A plain form posting to a server action, so a key typed before the page is interactive still signs in. */
export function LoginForm() {
  const t = useTranslations("login");
  const [state, action, pending] = useActionState(signIn, initial);
  return (
    <form action={action} className="stack">
      <label className="field">
        <span>{t("adminKey")}</span>
        <input name="adminKey" type="password" autoComplete="current-password" required autoFocus />
      </label>
      {state.error && <p className="error" role="alert">{t(`errors.${state.error}`)}</p>}
      <button type="submit" className="primary" disabled={pending}>
        {pending ? t("signingIn") : t("signIn")}
      </button>
      <p className="muted small">{t("hint")}</p>
    </form>
  );
}
