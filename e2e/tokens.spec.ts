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
