"use client";

type ErrorBody = { error?: { message?: string } };

/** The API's OpenAI-shaped error message, or the status when the body has none. */
async function failure(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => null)) as ErrorBody | null;
  return new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
}

export async function fetcher<T>(url: string): Promise<T> {
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.status === 401) window.location.assign("/login");
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export async function apiSend<T = unknown>(url: string, method: "POST" | "PUT" | "PATCH" | "DELETE", body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export function errorMessage(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}
