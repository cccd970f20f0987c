"use client";

import useSWR from "swr";
import type { Health } from "../health";
import type { PublicKey } from "../keys/schemas";
import type { PublicModel } from "../models/queries";
import type { PublicToken } from "../tokens/queries";
import type { LogDetail, LogSummary } from "../usage/queries";
import type { Stats } from "../usage/stats";
import { fetcher } from "./fetcher";

type List<T> = { data: T[] };
export type LogPage = { data: LogSummary[]; total: number; page: number; pageSize: number };

export const queryString = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
};

// One hook per endpoint; pages that watch live traffic refresh on an interval.
export const useHealth = () => useSWR<Health>("/api/health", fetcher, { refreshInterval: 5000 });
export const useKeys = () => useSWR<List<PublicKey>>("/api/keys", fetcher, { refreshInterval: 5000 });
// While the catalogue is empty, models may be on their way (synced when a key is added): look again soon.
export const useModels = (enabledOnly = false) =>
  useSWR<List<PublicModel>>(`/api/models${enabledOnly ? "?enabled=true" : ""}`, fetcher, { refreshInterval: (latest) => (latest && latest.data.length > 0 ? 0 : 3000) });
export const useTokens = () => useSWR<List<PublicToken>>("/api/tokens", fetcher);
export const useStats = (params: { from?: string; to?: string; bucket?: string; tokenId?: string }) =>
  useSWR<Stats>(`/api/stats${queryString(params)}`, fetcher, { refreshInterval: 10_000 });
export const useRequestLog = (params: Record<string, string | number | undefined>) =>
  useSWR<LogPage>(`/api/usage${queryString(params)}`, fetcher, { refreshInterval: 10_000 });
export const useLogEntry = (id: number | null) => useSWR<LogDetail>(id === null ? null : `/api/usage/${id}`, fetcher);
