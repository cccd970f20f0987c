"use client";

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useModels } from "@/lib/swr/hooks";
import { useUrlState } from "../use-url-state";
import { ChatHistory, type Reopened } from "./chat-history";
import { PinnedKey } from "./pinned-key";
import { useChatStream, type ChatMessage } from "./use-chat-stream";

export function ChatView() {
  const t = useTranslations("chat");
  const { data: models } = useModels(true);
  const { params, set } = useUrlState();
  // "Try" on the Keys page opens /chat?keyId=…: every message goes to that key alone.
  const keyId = /^[1-9]\d{0,9}$/.test(params.get("keyId") ?? "") ? Number(params.get("keyId")) : null;
  const [model, setModel] = useState("");
  const [system, setSystem] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [version, setVersion] = useState(0);
  const { send, stop, streaming } = useChatStream(setMessages);
  const choices = models?.data.filter((item) => item.capabilities.length === 0 || item.capabilities.includes("chat")) ?? [];

  useEffect(() => {
    if (!model && choices[0]) setModel(choices[0].name);
  }, [model, choices]);

  // The message is read from the field itself, so text typed before the page became interactive counts.
  async function submit(event?: FormEvent) {
    event?.preventDefault();
    const field = input.current;
    const content = field?.value.trim() ?? "";
    if (!field || !content || !model || streaming) return;
    field.value = "";
    await send({ model, system, history: [...messages, { role: "user", content }], keyId });
    setVersion((value) => value + 1);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  function reopen(conversation: Reopened) {
    if (conversation.model) setModel(conversation.model);
    setSystem(conversation.system);
    setMessages(conversation.messages);
  }

  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
        <button type="button" onClick={() => setMessages([])} disabled={streaming || messages.length === 0}>{t("newChat")}</button>
      </div>
      <div className="chat">
        <aside className="chat-side">
          <div className="card stack">
            {keyId !== null && <PinnedKey keyId={keyId} onRelease={() => set("keyId", "")} />}
            <label className="field">
              <span>{t("model")}</span>
              <select aria-label={t("model")} value={model} onChange={(event) => setModel(event.target.value)}>
                {model && !choices.some((item) => item.name === model) && <option value={model}>{model}</option>}
                {choices.map((item) => <option key={item.id} value={item.name}>{item.name}</option>)}
              </select>
            </label>
            {models && choices.length === 0 && <p className="muted small">{t("noModels")} <Link href="/models">{t("syncModels")}</Link></p>}
            <label className="field">
              <span>{t("system")}</span>
              <textarea aria-label={t("system")} rows={3} value={system} onChange={(event) => setSystem(event.target.value)} placeholder={t("systemPlaceholder")} />
            </label>
          </div>
          <ChatHistory onOpen={reopen} version={version} />
        </aside>
        <section className="card">
          <div className="messages" aria-live="polite" data-testid="messages">
            {messages.length === 0 && <p className="muted">{t("empty")}</p>}
            {messages.map((message, index) => (
              <div key={index} className={`message ${message.role}`} data-role={message.role}>
                {message.content || (streaming && index === messages.length - 1 ? "…" : "")}
                {message.error && <span className="error small" style={{ display: "block" }}>{message.error}</span>}
                {message.meta && (
                  <span className="meta" data-testid="reply-meta">
                    {message.meta.stopped && `${t("stopped")} · `}
                    {t("tokens", { prompt: message.meta.promptTokens ?? "–", completion: message.meta.completionTokens ?? "–" })}
                    {" · "}
                    {t("latency", { first: message.meta.firstTokenMs ?? "–", total: message.meta.totalMs })}
                    {message.meta.key && <> · {t("servedBy")} <code>{message.meta.key}</code></>}
                  </span>
                )}
              </div>
            ))}
          </div>
          <form className="composer" onSubmit={(event) => void submit(event)}>
            <textarea ref={input} name="message" aria-label={t("input")} rows={2} onKeyDown={onKeyDown} placeholder={t("inputPlaceholder")} />
            {streaming ? (
              <button type="button" className="danger" onClick={stop}>{t("stop")}</button>
            ) : (
              <button type="submit" className="primary" disabled={!model}>{t("send")}</button>
            )}
          </form>
        </section>
      </div>
    </>
  );
}
