"use client";

import { useEffect, useState } from "react";
import { useTranslations } from "next-intl";
import type { KeyStatus } from "@/lib/keys/status";

function secondsLeft(until: string | null): number {
  return until ? Math.max(0, Math.ceil((new Date(until).getTime() - Date.now()) / 1000)) : 0;
}

/** A key's status; a cooling key counts down to the moment it is back in rotation. */
export function StatusBadge({ status, coolingUntil }: { status: KeyStatus; coolingUntil: string | null }) {
  const t = useTranslations("status");
  const [left, setLeft] = useState(() => secondsLeft(coolingUntil));
  useEffect(() => {
    if (status !== "cooling") return;
    setLeft(secondsLeft(coolingUntil));
    const timer = setInterval(() => setLeft(secondsLeft(coolingUntil)), 1000);
    return () => clearInterval(timer);
  }, [status, coolingUntil]);
  const label = status === "cooling" && left > 0 ? t("coolingLeft", { seconds: left }) : t(status);
  return <span className={`badge ${status}`} data-status={status}>{label}</span>;
}
