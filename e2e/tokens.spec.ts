import { expect, screenshot, test, uniqueKey } from "./fixtures";

test("creates a client token shown once with a copy button, shows its use, and revokes it", async ({ adminPage: page, keypool, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.request.post("/api/keys", { data: { key: uniqueKey("T") } });
  await page.goto("/tokens");
  await page.getByLabel("Name").fill("support-bot");
  await page.getByRole("button", { name: "Create token" }).click();
  const value = (await page.getByTestId("token-value").textContent()) ?? "";
  expect(value).toMatch(/^kp-/);
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
  const row = page.locator('tr[data-token="support-bot"]');
  await expect(row).toContainText(value.slice(0, 10));
  await expect(row).toContainText("never");
  await screenshot(page, "tokens-en");

  const models = await fetch(`${keypool.server.url}/v1/models`, { headers: { authorization: `Bearer ${value}` } });
  expect(models.status).toBe(200);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await expect.poll(async () => {
    await page.reload();
    return row.textContent();
  }).not.toContain("never");
  expect(await page.content()).not.toContain(value);

  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Really revoke" }).click();
  await expect(row).toHaveCount(0);
  const refused = await fetch(`${keypool.server.url}/v1/models`, { headers: { authorization: `Bearer ${value}` } });
  expect(refused.status).toBe(401);
});

test("a token with limits: set them when creating it, use it until it is limited, see its use and cost this month", async ({ adminPage: page, keypool }) => {
  await page.request.post("/api/keys", { data: { key: uniqueKey("L") } });
  await page.goto("/tokens");
  await page.getByLabel("Name").fill("limited-bot");
  await page.getByText("Limits", { exact: true }).first().click();
  await page.getByLabel("Requests per minute").fill("2");
  await page.getByLabel("Allowed models (comma-separated)").fill("gpt-4o-mini");
  await page.getByRole("button", { name: "Create token" }).click();
  const value = (await page.getByTestId("token-value").textContent()) ?? "";
  const row = page.locator('tr[data-token="limited-bot"]');
  await expect(row.getByTestId("token-limits")).toHaveText("2 rpm · gpt-4o-mini");

  const call = () =>
    fetch(`${keypool.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${value}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
  expect((await call()).status).toBe(200);
  expect((await call()).status).toBe(200);
  const limited = await call();
  expect(limited.status).toBe(429);
  expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");

  // The two served calls (and the refused one) are this month's use, with their cost.
  await expect
    .poll(async () => {
      await page.reload();
      return row.getByTestId("token-usage").textContent();
    })
    .toContain("3 requests, 36 tokens");
  await expect(row.getByTestId("token-cost")).toHaveText(/^\$0\.0000\d+/);
  await screenshot(page, "tokens-limits-en");

  await row.getByRole("button", { name: "Edit limits" }).click();
  await row.getByLabel("Requests per minute").fill("");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByTestId("token-limits")).toHaveText("gpt-4o-mini");
  expect((await call()).status).toBe(200);
});
