import { expect, test, type Page } from "@playwright/test";
import { startFakeOpenAI, type FakeOpenAI } from "../test/helpers/fake-openai";
import { ADMIN_KEY, startKeyPool, type KeyPoolServer } from "../test/helpers/keypool";
import { screenshot, sendOriginLikeABrowser, uniqueKey } from "./fixtures";

// A new install of its own (empty catalogue, model sync on as by default), so that nothing an
// earlier test synced can stand in for the automatic sync.
let upstream: FakeOpenAI;
let server: KeyPoolServer;

test.beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url, env: { MODEL_SYNC_SECONDS: "21600", MAX_RETRIES: "0" } });
});

test.afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

test.beforeEach(({ page }) => sendOriginLikeABrowser(page.request, server.url));

async function open(page: Page, pathname: string): Promise<void> {
  await page.goto(`${server.url}${pathname}`);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

test("a first key makes models appear with no sync: add a key, open the playground, chat", async ({ page }) => {
  expect((await page.request.post(`${server.url}/api/auth/login`, { data: { adminKey: ADMIN_KEY } })).ok()).toBe(true);
  await open(page, "/chat");
  await expect(page.getByText("No enabled chat model.")).toBeVisible();

  await open(page, "/keys");
  await page.getByLabel("Key", { exact: true }).fill(uniqueKey("F"));
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByTestId("add-result")).toHaveText("1 key added");
  await expect(page.getByTestId("key-models")).toHaveText("4 models");

  await open(page, "/chat");
  await page.getByRole("combobox", { name: "Model" }).selectOption("gpt-4o-mini");
  await page.getByLabel("Message", { exact: true }).fill("Say hello");
  await page.getByLabel("Message", { exact: true }).press("Enter");
  await expect(page.locator(".message.assistant").last()).toContainText("Hello from the fake upstream!");
  // Nobody pressed "Sync": the models came from the key being added.
  expect(upstream.calls.filter((call) => call.path === "/v1/models").length).toBeGreaterThanOrEqual(1);
});

test("the dashboard says when the upstream is not answering and KeyPool holds requests back", async ({ page }) => {
  expect((await page.request.post(`${server.url}/api/auth/login`, { data: { adminKey: ADMIN_KEY } })).ok()).toBe(true);
  await page.request.post(`${server.url}/api/keys`, { data: { keys: [uniqueKey("B"), uniqueKey("C")] } });
  upstream.defaultBehavior = "error503";
  try {
    // Failures on different keys within a short window open the breaker.
    for (let i = 0; i < 6; i += 1) {
      await page.request.post(`${server.url}/v1/chat/completions`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        data: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
      });
    }
    await open(page, "/");
    const banner = page.getByTestId("health-banner");
    await expect(banner).toHaveAttribute("data-breaker", /open/);
    await expect(banner).toContainText("The upstream is not answering");
    await screenshot(page, "breaker-open-en");
  } finally {
    upstream.defaultBehavior = "ok";
  }
  // Once the upstream answers the next probe, the breaker closes and the banner goes away by itself.
  await expect
    .poll(async () => (await page.request.post(`${server.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, data: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } })).status(), { timeout: 30_000, intervals: [1000] })
    .toBe(200);
  await expect(page.getByTestId("health-banner")).toHaveCount(0, { timeout: 15_000 });
});
