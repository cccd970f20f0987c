import { ADMIN_KEY } from "../test/helpers/keypool";
import { expect, screenshot, sendOriginLikeABrowser, test } from "./fixtures";

test("every page sends a visitor without a session to /login, and the admin key lets them in and out", async ({ page }) => {
  for (const path of ["/", "/keys", "/stats", "/models", "/chat", "/tokens"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login$/);
  }
  await screenshot(page, "login-en");

  await page.getByLabel("Admin key").fill("not-the-admin-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong admin key.")).toBeVisible();

  await page.getByLabel("Admin key").fill(ADMIN_KEY);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator("[data-kpi=usable]")).toBeVisible();
  await screenshot(page, "overview-en");

  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/keys");
  await expect(page).toHaveURL(/\/login$/);
});

test("log out everywhere ends the sessions of every browser", async ({ browser, keypool }) => {
  const open = async () => {
    const context = await browser.newContext({ baseURL: keypool.server.url });
    const page = await context.newPage();
    sendOriginLikeABrowser(page.request, keypool.server.url);
    expect((await page.request.post("/api/auth/login", { data: { adminKey: ADMIN_KEY } })).ok()).toBe(true);
    await page.goto("/keys");
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    return { context, page };
  };
  const laptop = await open();
  const phone = await open();
  try {
    await laptop.page.getByRole("button", { name: "Log out everywhere" }).click();
    await expect(laptop.page).toHaveURL(/\/login$/);
    await phone.page.reload();
    await expect(phone.page).toHaveURL(/\/login$/);
  } finally {
    await laptop.context.close();
    await phone.context.close();
  }
});

test.describe("before the page is interactive", () => {
  test.use({ javaScriptEnabled: false });

  test("the login form still signs in, and never puts the key in the address", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Admin key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/$/);
    expect(page.url()).not.toContain(ADMIN_KEY);
  });
});
