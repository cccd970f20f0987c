import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page, Response } from "@playwright/test";
import { ADMIN_KEY } from "../test/helpers/keypool";
import { expect, test, uniqueKey } from "./fixtures";

/**
 * A page on another port of the same host: the same site (SameSite=Lax sends the admin's cookie
 * along with its form posts), but another origin.
 */
async function startAttacker(): Promise<{ url: string; pages: Map<string, string>; close: () => Promise<void> }> {
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const html = pages.get(req.url ?? "");
    res.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, pages, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const attacker = test.extend<{ evil: Awaited<ReturnType<typeof startAttacker>> }>({
  evil: async ({}, use) => {
    const evil = await startAttacker();
    await use(evil);
    await evil.close();
  },
});

type Named = { id: number; name: string; maskedKey?: string; prefix?: string; status?: string };
/** What an attack could change: which keys and tokens exist, their names and statuses (not their use, which other tests' traffic moves). */
type Lists = { keys: Named[]; tokens: Named[] };
const identities = (rows: { data: Named[] }) => rows.data.map(({ id, name, maskedKey, prefix, status }) => ({ id, name, maskedKey, prefix, status }));

async function expectRefused(response: Response, { cookieShown = true } = {}): Promise<void> {
  expect(response.status()).toBe(403);
  // The browser did send the admin's session cookie: without the same-origin rule this would work.
  // (Playwright does not show the cookie of a no-cors fetch.)
  if (cookieShown) expect((await response.request().allHeaders()).cookie ?? "").toContain("keypool_session=");
}

attacker("a page on another port cannot change anything with the admin's cookie, nor frame the dashboard", async ({ adminPage, context, api, evil, keypool }) => {
  const lists = async (): Promise<Lists> => ({ keys: identities(await (await api("/api/keys")).json()), tokens: identities(await (await api("/api/tokens")).json()) });
  const before = await lists();
  expect(adminPage.url()).toBe("about:blank");
  const kp = keypool.server.url;
  // The attacker's own page, not the fixture's `page`: it may load from outside the server.
  const page = await context.newPage();
  const posted = (path: string) => page.waitForResponse((response) => response.url() === `${kp}${path}` && response.request().method() === "POST");

  // (a) A text/plain form whose body reads as JSON: {"key":"sk-…","name":"csrf="}.
  const stolenKey = uniqueKey("X");
  evil.pages.set("/plain", `<form method="POST" action="${kp}/api/keys" enctype="text/plain"><input type="hidden" name='{"key":"${stolenKey}","name":"csrf' value='"}'></form><script>document.forms[0].submit()</script>`);
  const plain = posted("/api/keys");
  await page.goto(`${evil.url}/plain`);
  await expectRefused(await plain);
  await expect(page.locator("body")).toContainText("cross_site_request");

  // (b) An ordinary urlencoded form.
  evil.pages.set("/form", `<form method="POST" action="${kp}/api/tokens"><input type="hidden" name="name" value="csrf-form"></form><script>document.forms[0].submit()</script>`);
  const form = posted("/api/tokens");
  await page.goto(`${evil.url}/form`);
  await expectRefused(await form);

  // (c) A no-cors fetch with the cookie and a JSON body (sent as text/plain: no preflight).
  evil.pages.set("/fetch", `<script>fetch(${JSON.stringify(`${kp}/api/tokens`)}, { method: "POST", mode: "no-cors", credentials: "include", body: JSON.stringify({ name: "csrf-fetch" }) })</script>`);
  const fetched = posted("/api/tokens");
  await page.goto(`${evil.url}/fetch`);
  await expectRefused(await fetched, { cookieShown: false });

  expect(await lists()).toEqual(before);

  // (d) Framing the logged-in keys page: the browser refuses to show it.
  evil.pages.set("/frame", `<h1>evil</h1><iframe src="${kp}/keys" width="900" height="600"></iframe>`);
  const framed = page.waitForResponse(`${kp}/keys`);
  await page.goto(`${evil.url}/frame`);
  expect((await framed).status()).toBe(200);
  const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
  expect(frame).toBeDefined();
  await page.waitForTimeout(500);
  expect(frame?.url()).not.toBe(`${kp}/keys`);
  expect(await frame?.locator("nav").count()).toBe(0);
  expect(await frame?.content()).not.toContain("KeyPool");
});

const PAYLOADS = {
  img: `<img src=x onerror=alert("xss-img")>`,
  script: `<script>alert("xss-script")</script>`,
  svg: `"><svg onload=alert("xss-svg")>`,
};

/** Every dialog, and every CSP violation the page reports (from a script of its own or an injected one). */
async function watch(page: Page): Promise<{ dialogs: string[]; violations: string[] }> {
  const seen = { dialogs: [] as string[], violations: [] as string[] };
  page.on("dialog", (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) seen.violations.push(message.text());
  });
  await page.exposeFunction("__reportViolation", (text: string) => seen.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { __reportViolation: (text: string) => void }).__reportViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  return seen;
}

async function expectInert(page: Page): Promise<void> {
  expect(await page.locator('img[src="x"], svg[onload], [onerror], [onload]').count()).toBe(0);
}

test("user-supplied text renders as text on every page, and the pages run without a CSP violation", async ({ adminPage: page, api, keypool }) => {
  const seen = await watch(page);
  const key = uniqueKey("Z");
  expect((await api("/api/keys", { method: "POST", body: JSON.stringify({ key, name: PAYLOADS.img }) })).status).toBe(201);
  expect((await api("/api/tokens", { method: "POST", body: JSON.stringify({ name: PAYLOADS.svg }) })).status).toBe(201);
  const model = `xss-model-${Date.now()}`;
  const created = await api("/api/models", { method: "POST", body: JSON.stringify({ name: model, description: PAYLOADS.script, capabilities: [PAYLOADS.img, PAYLOADS.svg] }) });
  expect(created.status).toBe(201);
  // This test's key lists the test's own model, so after the sync the request for it goes to that key.
  keypool.upstream.modelsByKey.set(key, ["gpt-4o-mini", model]);
  await api("/api/models/sync", { method: "POST" });
  // A request body with the payloads, for the request log.
  const logged = await fetch(`${keypool.server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: `log ${PAYLOADS.img} ${PAYLOADS.script}` }] }),
  });
  expect(logged.status).toBe(200);

  await page.goto("/keys");
  await expect(page.locator(`tr[data-key="sk-...${key.slice(-4)}"]`)).toContainText(PAYLOADS.img);
  await expectInert(page);

  await page.goto("/tokens");
  await expect(page.getByText(PAYLOADS.svg).first()).toBeVisible();
  await expectInert(page);

  await page.goto("/models");
  const row = page.locator(`tr[data-model="${model}"]`);
  await expect(row).toContainText(PAYLOADS.script);
  await expect(row).toContainText(PAYLOADS.img);
  await expect(row).toContainText(PAYLOADS.svg);
  await expectInert(page);

  await page.goto("/chat");
  await page.getByRole("combobox", { name: "Model" }).selectOption("gpt-4o-mini");
  await page.getByLabel("Message", { exact: true }).fill(`chat ${PAYLOADS.svg} ${PAYLOADS.img}`);
  await page.getByLabel("Message", { exact: true }).press("Enter");
  await expect(page.locator(".message.user").last()).toContainText(`chat ${PAYLOADS.svg} ${PAYLOADS.img}`);
  await expect(page.locator(".message.assistant").last()).toContainText("Hello from the fake upstream!");
  await expectInert(page);

  // Rows are written off the request's path: wait for this test's /v1 row (its model is this test's own).
  await expect.poll(async () => ((await (await api(`/api/usage?model=${model}`)).json()) as { total: number }).total).toBe(1);
  await page.goto(`/stats?model=${model}`);
  const rows = page.locator("[data-log-row]");
  await expect(rows).toHaveCount(1);
  await rows.first().click();
  await expect(page.getByTestId("request-body")).toContainText(`log ${PAYLOADS.img} ${PAYLOADS.script}`.replace(/"/g, '\\"'));
  await expectInert(page);

  // Every dashboard page once more, charts and all.
  for (const path of ["/", "/keys", "/stats", "/models", "/chat", "/tokens"]) {
    await page.goto(path);
    await expect(page.locator("nav")).toBeVisible();
    await expectInert(page);
  }
  await page.waitForTimeout(300);
  expect(seen.dialogs).toEqual([]);
  expect(seen.violations).toEqual([]);
});

test("the login page and its form run under the policy too", async ({ page }) => {
  const seen = await watch(page);
  await page.goto("/login");
  await page.getByLabel("Admin key").fill(ADMIN_KEY);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(seen.violations).toEqual([]);
});
