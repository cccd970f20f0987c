"use client";

import { useEffect } from "react";
import { useTranslations } from "next-intl";
import { useRequestLog } from "@/lib/swr/hooks";
import { fetcher } from "@/lib/swr/fetcher";
import type { LogDetail } from "@/lib/usage/queries";
import { useFormat } from "../format";
import type { ChatMessage } from "./use-chat-stream";

type Stored = { model?: string; messages?: { role: string; content: unknown }[] };
export type Reopened = { model: string | null; system: string; messages: ChatMessage[] };

const text = (content: unknown) => (typeof content === "string" ? content : JSON.stringify(content));

/** Rebuilds a conversation from a logged playground call: what was sent and what came back. */
export function conversationFrom(detail: LogDetail): Reopened {
  const request = JSON.parse(detail.requestBody ?? "{}") as Stored;
  const sent = request.messages ?? [];
  const system = sent.filter((message) => message.role === "system").map((message) => text(message.content)).join("\n");
  const messages: ChatMessage[] = sent
    .filter((message) => message.role === "user" || message.role === "assistant")
    .map((message) => ({ role: message.role as ChatMessage["role"], content: text(message.content) }));
  const response = JSON.parse(detail.responseBody ?? "null") as { choices?: { message?: { content?: string } }[] } | null;
  const reply = response?.choices?.[0]?.message?.content;
  if (typeof reply === "string") messages.push({ role: "assistant", content: reply });
  return { model: request.model ?? detail.model, system, messages };
}

/** Past playground conversations; `version` changes after each reply so the list catches up. */
export function ChatHistory({ onOpen, version }: { onOpen: (conversation: Reopened) => void; version: number }) {
  const t = useTranslations("chat");
  const format = useFormat();
  const { data, mutate } = useRequestLog({ source: "playground", pageSize: 20 });
  useEffect(() => {
    // The log row is written just after the reply ends; look again a moment later.
    const timer = setTimeout(() => void mutate(), 400);
    return () => clearTimeout(timer);
  }, [version, mutate]);

  async function open(id: number) {
    onOpen(conversationFrom(await fetcher<LogDetail>(`/api/usage/${id}`)));
  }

  return (
    <div className="card">
      <h2>{t("history")}</h2>
      {data && data.data.length === 0 && <p className="muted small">{t("noHistory")}</p>}
      <ul className="history">
        {data?.data.map((row) => (
          <li key={row.id}>
            <button type="button" onClick={() => void open(row.id)} data-history={row.id}>
              <span className="mono">{row.model}</span> · <span className="muted">{format.dateTime(row.createdAt)}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
