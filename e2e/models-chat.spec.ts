import { expect, screenshot, test, uniqueKey } from "./fixtures";

test("syncs models from upstream and edits one", async ({ adminPage: page }) => {
  await page.request.post("/api/keys", { data: { key: uniqueKey("M") } });
  await page.goto("/models");
  await page.getByRole("button", { name: "Sync from upstream" }).click();
  await expect(page.getByTestId("sync-result")).toContainText("upstream");
  const row = page.locator('tr[data-model="gpt-4o"]');
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Edit" }).click();
  await row.getByLabel("Description and capabilities").fill("the big one");
  await row.getByLabel("Capabilities (comma-separated)").fill("chat, vision");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row).toContainText("the big one");
  const embedding = page.locator('tr[data-model="text-embedding-3-small"]');
  await embedding.getByRole("checkbox").uncheck();
  await expect(embedding.getByRole("checkbox")).not.toBeChecked();
  await page.reload();
  await expect(page.locator('tr[data-model="gpt-4o"]')).toContainText("the big one");
  await expect(page.locator('tr[data-model="text-embedding-3-small"]').getByRole("checkbox")).not.toBeChecked();
  await screenshot(page, "models-en");
});

test("the playground streams a reply in, shows tokens, latency and the key, stops on demand, and reopens past conversations", async ({ adminPage: page, keypool }) => {
  const key = uniqueKey("C");
  await page.request.post("/api/keys", { data: { key } });
  await page.request.post("/api/models/sync");
  keypool.upstream.chunkDelayMs = 250;
  try {
    await page.goto("/chat");
    await page.getByRole("combobox", { name: "Model" }).selectOption("gpt-4o-mini");
    await page.getByLabel("System prompt").fill("Be brief.");
    await page.getByLabel("Message", { exact: true }).fill("Say hello");
    await page.getByLabel("Message", { exact: true }).press("Enter");
    const reply = page.locator(".message.assistant").last();
    // Streaming: part of the reply is on screen before the whole of it.
    await expect(reply).toContainText("Hello from");
    await expect(reply).not.toContainText("upstream!");
    await expect(reply).toContainText("Hello from the fake upstream!", { timeout: 10_000 });
    const meta = reply.getByTestId("reply-meta");
    await expect(meta).toContainText("11 in / 7 out tokens");
    await expect(meta).toContainText(/first token \d+ ms, total \d+ ms/);
    await expect(meta).toContainText(/key sk-\.\.\./);
    expect(keypool.upstream.calls.at(-1)?.body).toMatchObject({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello" }] });
    await screenshot(page, "chat-en");

    await page.getByLabel("Message", { exact: true }).fill("Another one");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.locator(".message.assistant").last()).toContainText("Hello");
    await page.getByRole("button", { name: "Stop" }).click();
    await expect(page.locator(".message.assistant").last().getByTestId("reply-meta")).toContainText("stopped");

    await page.getByRole("button", { name: "New chat" }).click();
    await expect(page.locator(".message")).toHaveCount(0);
    const past = page.locator("[data-history]").last();
    await expect(past).toBeVisible();
    await page.locator("[data-history]").first().click();
    await expect(page.locator(".message.user").first()).toBeVisible();
    await expect(page.locator(".message.assistant").first()).toContainText("Hello");
  } finally {
    keypool.upstream.chunkDelayMs = 5;
  }
});
