import fs from "node:fs";
import path from "node:path";
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { startFakeOpenAI, type FakeOpenAI } from "../test/helpers/fake-openai";
import { ADMIN_KEY, startKeyPool, type KeyPoolServer } from "../test/helpers/keypool";

export { expect };
export const SCREENSHOTS = path.resolve(import.meta.dirname, "screenshots");

type Worker = { keypool: { server: KeyPoolServer; upstream: FakeOpenAI } };
type Fixtures = { adminPage: Page; api: (pathname: string, init?: RequestInit) => Promise<Response> };

/** One real KeyPool server (built) and one fake OpenAI per worker; each test makes its own data. */
export const test = base.extend<Fixtures, Worker>({
  keypool: [
    async ({}, use) => {
      const upstream = await startFakeOpenAI();
      const server = await startKeyPool({ upstreamUrl: upstream.url });
      await use({ server, upstream });
      await server.stop();
      await upstream.close();
    },
    { scope: "worker" },
  ],
  baseURL: async ({ keypool }, use) => use(keypool.server.url),
  page: async ({ page, keypool, javaScriptEnabled }, use) => {
    // Nothing may be loaded from outside the server: no fonts, CDNs or images.
    const outside: string[] = [];
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(keypool.server.url) && !url.startsWith("data:") && !url.startsWith("blob:")) outside.push(url);
    });
    sendOriginLikeABrowser(page.request, keypool.server.url);
    // Interact only once React has hydrated the page, as a person would after it finished loading.
    const goto = page.goto.bind(page);
    page.goto = async (url, options) => {
      const response = await goto(url, options);
      if (javaScriptEnabled) await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
      return response;
    };
    await use(page);
    expect(outside, "requests to other hosts").toEqual([]);
  },
  adminPage: async ({ page }, use) => {
    const response = await page.request.post("/api/auth/login", { data: { adminKey: ADMIN_KEY } });
    expect(response.ok()).toBe(true);
    await use(page);
  },
  api: async ({ keypool }, use) => {
    await use((pathname, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${ADMIN_KEY}`);
      if (init.body) headers.set("content-type", "application/json");
      return fetch(`${keypool.server.url}${pathname}`, { ...init, headers });
    });
  },
});

type Send = APIRequestContext["post"];

/**
 * A page's own POST/PUT/DELETE carries its Origin, which KeyPool requires of cookie callers;
 * Playwright's request context sends none. Each request gets the origin of the URL it goes to,
 * as if a page of that server sent it.
 */
export function sendOriginLikeABrowser(request: APIRequestContext, baseURL: string): void {
  const withOrigin = (send: Send): Send => (url, options) =>
    send(url, { ...options, headers: { origin: new URL(url, baseURL).origin, ...options?.headers } });
  request.post = withOrigin(request.post.bind(request));
  request.put = withOrigin(request.put.bind(request));
  request.patch = withOrigin(request.patch.bind(request));
  request.delete = withOrigin(request.delete.bind(request));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

let counter = 0;
/** A fresh, well-formed fake key whose last four characters identify it. */
export function uniqueKey(tag: string): string {
  counter += 1;
  const suffix = `${tag}${counter}`.slice(-4).padStart(4, "0");
  return `sk-e2e-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}-${suffix}`;
}
