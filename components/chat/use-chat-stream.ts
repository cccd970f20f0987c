"use client";

import { errorMessage } from "@/lib/swr/fetcher";
import { useRef, useState } from "react";
import { readChunk, takeSseData } from "@/lib/chat/sse-client";

export type ReplyMeta = { promptTokens: number | null; completionTokens: number | null; firstTokenMs: number | null; totalMs: number; key: string | null; stopped: boolean };
export type ChatMessage = { role: "user" | "assistant"; content: string; meta?: ReplyMeta; error?: string };

/** `keyId`: the key chosen with "Try" on the Keys page, or null for the whole pool. */
type Send = { model: string; system: string; history: ChatMessage[]; keyId: number | null };

/** Streams one reply from /api/chat into the conversation as it arrives; stop() aborts it. */
export function useChatStream(setMessages: (update: (messages: ChatMessage[]) => ChatMessage[]) => void) {
  const [streaming, setStreaming] = useState(false);
  const controller = useRef<AbortController | null>(null);

  const updateLast = (change: (message: ChatMessage) => ChatMessage) =>
    setMessages((messages) => messages.map((message, index) => (index === messages.length - 1 ? change(message) : message)));

  async function send({ model, system, history, keyId }: Send) {
    const abort = new AbortController();
    controller.current = abort;
    setStreaming(true);
    setMessages(() => [...history, { role: "assistant", content: "" }]);
    const started = performance.now();
    let firstTokenMs: number | null = null;
    let usage: { prompt_tokens?: number; completion_tokens?: number } | null = null;
    let key: string | null = null;
    const finish = (stopped: boolean, error?: string) =>
      updateLast((message) => ({
        ...message,
        ...(error ? { error } : {}),
        meta: { promptTokens: usage?.prompt_tokens ?? null, completionTokens: usage?.completion_tokens ?? null, firstTokenMs, totalMs: Math.round(performance.now() - started), key, stopped },
      }));
    try {
      const messages = [...(system.trim() ? [{ role: "system", content: system }] : []), ...history.map(({ role, content }) => ({ role, content }))];
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages, stream: true, stream_options: { include_usage: true }, ...(keyId === null ? {} : { keyId }) }),
        signal: abort.signal,
      });
      key = response.headers.get("x-keypool-key");
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        finish(false, body?.error?.message ?? `${response.status}`);
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const { payloads, rest } = takeSseData(buffer + decoder.decode(value, { stream: true }));
        buffer = rest;
        for (const payload of payloads) {
          const update = readChunk(payload);
          if (update.usage) usage = update.usage;
          if (update.text) {
            firstTokenMs ??= Math.round(performance.now() - started);
            updateLast((message) => ({ ...message, content: message.content + update.text }));
          }
        }
      }
      finish(false);
    } catch (caught) {
      if (abort.signal.aborted) finish(true);
      else finish(false, errorMessage(caught));
    } finally {
      controller.current = null;
      setStreaming(false);
    }
  }

  return { send, stop: () => controller.current?.abort(), streaming };
}
