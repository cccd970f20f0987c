import { ADMIN_KEY } from "../test/helpers/keypool";
import { expect, screenshot, test, uniqueKey } from "./fixtures";

test("adds one key and pastes many, reporting duplicates and malformed lines, and never shows a key in full", async ({ adminPage: page }) => {
  await page.goto("/keys");
  const single = uniqueKey("S");
  await page.getByLabel("Key", { exact: true }).fill(single);
  await page.getByLabel("Name").fill("primary");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByTestId("add-result")).toHaveText("1 key added");
  await expect(page.getByLabel("Key", { exact: true })).toHaveValue("");
  const row = page.locator(`tr[data-key="sk-...${single.slice(-4)}"]`);
  await expect(row).toContainText("primary");
  await expect(row.locator(".badge")).toHaveText("active");

  const pasted = Array.from({ length: 20 }, (_, index) => uniqueKey(`P${index}`));
  await page.getByLabel("One per line").fill([...pasted, single, "not-a-key"].join("\n"));
  await page.getByRole("button", { name: "Add all" }).click();
  await expect(page.getByTestId("add-result")).toContainText("20 keys added");
  await expect(page.getByTestId("add-result")).toContainText("1 duplicate skipped");
  await expect(page.getByTestId("add-result")).toContainText("1 malformed");
  await expect(page.getByLabel("One per line")).toHaveValue("");
  for (const key of pasted) await expect(page.locator(`tr[data-key="sk-...${key.slice(-4)}"]`)).toHaveCount(1);
  const html = await page.content();
  for (const key of [single, ...pasted]) expect(html).not.toContain(key.slice(7, -4));
  await screenshot(page, "keys-en");
});

test("disables, filters by status, checks all with progress, and deletes after confirmation", async ({ adminPage: page, keypool }) => {
  const keys = [uniqueKey("D"), uniqueKey("E")];
  const [toDisable, toDelete] = keys as [string, string];
  keypool.upstream.behaviors.set(toDelete, "ok");
  await page.request.post("/api/keys", { data: { keys } });
  await page.goto("/keys");
  const disableRow = page.locator(`tr[data-key="sk-...${toDisable.slice(-4)}"]`);
  await disableRow.getByRole("button", { name: "Disable" }).click();
  await expect(disableRow.locator(".badge")).toHaveText("disabled");

  await page.getByRole("combobox", { name: "Status" }).selectOption("disabled");
  await expect(page).toHaveURL(/status=disabled/);
  await expect(page.locator("tbody tr")).toHaveCount(await page.locator("tbody tr .badge.disabled").count());
  await expect(disableRow).toBeVisible();
  await page.getByRole("combobox", { name: "Status" }).selectOption("");

  await page.getByRole("button", { name: "Check all" }).click();
  await expect(page.getByRole("button", { name: /Checking \d+\/\d+/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Check all" })).toBeEnabled({ timeout: 30_000 });
  // A checked row says when; the disabled key stayed disabled.
  const deleteRow = page.locator(`tr[data-key="sk-...${toDelete.slice(-4)}"]`);
  await expect(deleteRow.getByTestId("last-checked")).toContainText("checked");
  await expect(disableRow.locator(".badge")).toHaveText("disabled");

  await deleteRow.getByRole("button", { name: "Delete" }).click();
  await deleteRow.getByRole("button", { name: "Cancel" }).click();
  await expect(deleteRow).toBeVisible();
  await deleteRow.getByRole("button", { name: "Delete" }).click();
  await deleteRow.getByRole("button", { name: "Really delete" }).click();
  await expect(deleteRow).toHaveCount(0);
});

test("a key the upstream rejects turns invalid after traffic, with its error shown", async ({ adminPage: page, keypool }) => {
  const bad = uniqueKey("X");
  keypool.upstream.behaviors.set(bad, "invalid");
  // Only this key is usable, so the next call lands on it.
  const existing = (await (await page.request.get("/api/keys")).json()).data as { id: number; status: string }[];
  for (const key of existing.filter((item) => item.status === "active")) await page.request.put(`/api/keys/${key.id}`, { data: { status: "disabled" } });
  await page.request.post("/api/keys", { data: { key: bad, name: "bad one" } });
  await page.goto("/keys");
  const row = page.locator(`tr[data-key="sk-...${bad.slice(-4)}"]`);
  await expect(row.locator(".badge")).toHaveText("active");

  const response = await fetch(`${keypool.server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(response.status).toBe(503);
  await expect(row.locator(".badge")).toHaveText("invalid", { timeout: 10_000 });
  await expect(row).toContainText("Incorrect API key");
  await page.goto("/keys?status=invalid");
  await expect(row).toBeVisible();
  await screenshot(page, "keys-invalid-en");

  // A rate-limited key cools down, and its badge counts the time left.
  const limited = uniqueKey("R");
  keypool.upstream.behaviors.set(limited, "ratelimit");
  keypool.upstream.retryAfterSeconds = "40";
  await page.request.post("/api/keys", { data: { key: limited } });
  await fetch(`${keypool.server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  });
  keypool.upstream.retryAfterSeconds = "30";
  await page.goto("/keys?status=cooling");
  const coolingRow = page.locator(`tr[data-key="sk-...${limited.slice(-4)}"]`);
  await expect(coolingRow.locator(".badge")).toHaveText(/^cooling · (3\d|40)s$/);
  for (const key of existing.filter((item) => item.status === "active")) await page.request.put(`/api/keys/${key.id}`, { data: { status: "active" } });
});

test("is usable on a phone", async ({ adminPage: page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/keys");
  await expect(page.getByRole("heading", { name: "Keys", exact: true })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await screenshot(page, "keys-phone-en");
  await page.goto("/chat");
  await expect(page.getByRole("heading", { name: "Playground" })).toBeVisible();
  await screenshot(page, "chat-phone-en");
});
