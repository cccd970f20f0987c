import fs from "node:fs";
import { ADMIN_KEY } from "../test/helpers/keypool";
import { parseCsv } from "../test/helpers/csv";
import { expect, screenshot, test, uniqueKey } from "./fixtures";

const masked = (key: string) => `sk-...${key.slice(-4)}`;

test("Try on a key opens the playground pinned to it: the reply comes from that key alone", async ({ adminPage: page, keypool }) => {
  const first = uniqueKey("T");
  const second = uniqueKey("U");
  await page.request.post("/api/keys", { data: { keys: [first, second] } });
  await page.request.post("/api/models/sync");

  await page.goto("/keys");
  await page.locator(`tr[data-key="${masked(second)}"]`).getByRole("link", { name: "Try" }).click();
  await expect(page).toHaveURL(/\/chat\?keyId=\d+$/);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const pinned = page.getByTestId("pinned-key");
  await expect(pinned).toContainText(masked(second));

  await page.getByRole("combobox", { name: "Model" }).selectOption("gpt-4o-mini");
  const before = keypool.upstream.calls.length;
  for (const question of ["Which key?", "And again?"]) {
    await page.getByLabel("Message", { exact: true }).fill(question);
    await page.getByLabel("Message", { exact: true }).press("Enter");
    await expect(page.getByTestId("reply-meta").last()).toContainText(masked(second));
  }
  await expect(page.locator(".message.assistant").last()).toContainText(`(key …${second.slice(-4)})`);
  expect(keypool.upstream.calls.slice(before).map((call) => call.key)).toEqual([second, second]);
  await screenshot(page, "chat-pinned-en");

  // Back to the whole pool: the banner goes, the URL forgets the key.
  await pinned.getByRole("button", { name: "Use the whole pool" }).click();
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.getByTestId("pinned-key")).toHaveCount(0);
});

test("Download CSV on the Statistics page gives the request log's rows, with its filters", async ({ adminPage: page, keypool }) => {
  const key = uniqueKey("C");
  await page.request.post("/api/keys", { data: { key } });
  const call = (model: string) =>
    fetch(`${keypool.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "csv" }] }),
    });
  // Model names of this test's own: the shared server's log also holds other tests' rows, written as they finish.
  const model = `csv-model-${Date.now().toString(36)}`;
  for (const name of [model, `${model}-other`, model]) await (await call(name)).text();
  await expect.poll(async () => ((await (await page.request.get(`/api/usage?model=${model}`)).json()) as { total: number }).total).toBe(2);

  await page.goto("/stats");
  await page.getByRole("combobox", { name: "Model" }).selectOption(model);
  await expect(page).toHaveURL(new RegExp(`model=${model}`));
  const tableRows = page.locator("[data-log-row]");
  await expect(tableRows).toHaveCount(2);
  const shown = await tableRows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-log-row")));
  const masks = await tableRows.locator("td:nth-child(4)").allTextContents();
  expect(shown).toHaveLength(2);

  const link = page.getByRole("link", { name: "Download CSV" });
  await expect(link).toHaveAttribute("href", new RegExp(`model=${model}`));
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^keypool-requests-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.csv$/);
  const [header, ...rows] = parseCsv(fs.readFileSync(await download.path(), "utf8"));
  expect(header?.slice(0, 3)).toEqual(["id", "createdAt", "requestId"]);
  const column = (name: string) => header?.indexOf(name) ?? -1;
  expect(rows.map((row) => row[column("id")])).toEqual(shown);
  expect(rows.every((row) => row[column("model")] === model)).toBe(true);
  expect(rows.map((row) => row[column("key")] || "–")).toEqual(masks);
});
