"use client";

import { useTranslations } from "next-intl";
import { useLogEntry } from "@/lib/swr/hooks";

function pretty(body: string | null): string {
  if (body === null) return "–";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** One log row's stored request and response. */
export function LogDetail({ id, onClose }: { id: number; onClose: () => void }) {
  const t = useTranslations("log");
  const { data, error } = useLogEntry(id);
  return (
    <section className="card stack" aria-label={t("detail")} data-testid="log-detail">
      <div className="page-head" style={{ marginBottom: 0 }}>
        <h2>{t("detailTitle", { id })}</h2>
        <button type="button" onClick={onClose}>{t("close")}</button>
      </div>
      {error && <p className="error">{error.message}</p>}
      {data && (
        <>
          <p className="small muted">
            {data.method} {data.endpoint} · {data.status} · {data.latencyMs} ms{data.ttfbMs !== null ? ` · ${t("ttfb")} ${data.ttfbMs} ms` : ""} · {t("attempts", { count: data.attempts })}
            {data.requestId && <> · {t("requestId")} <code>{data.requestId}</code></>}
            {data.upstreamRequestId && <> · {t("upstreamRequestId")} <code>{data.upstreamRequestId}</code></>}
          </p>
          {data.error && <p className="error">{data.error}</p>}
          <div className="grid two">
            <div>
              <h3 className="small">{t("request")}</h3>
              <pre className="body" data-testid="request-body">{pretty(data.requestBody)}</pre>
            </div>
            <div>
              <h3 className="small">{t("response")}</h3>
              <pre className="body" data-testid="response-body">{pretty(data.responseBody)}</pre>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
