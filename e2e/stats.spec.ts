import { ADMIN_KEY } from "../test/helpers/keypool";
import { expect, screenshot, test, uniqueKey } from "./fixtures";

test("draws the charts from real traffic, filters the log and opens a row's stored request and response", async ({ adminPage: page, keypool }) => {
  const good = uniqueKey("G");
  await page.request.post("/api/keys", { data: { key: good, name: "stats key" } });
  const call = (body: object) =>
    fetch(`${keypool.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  // A model name of this test's own: the shared server's log also holds other tests' rows, written as they finish.
  const model = `stats-model-${Date.now().toString(36)}`;
  for (let i = 0; i < 3; i += 1) await call({ model, messages: [{ role: "user", content: `stats question ${i}` }] });
  keypool.upstream.defaultBehavior = "badrequest";
  const failed = await call({ model: "gpt-4o", messages: [{ role: "user", content: "will fail" }] }).finally(() => {
    keypool.upstream.defaultBehavior = "ok";
  });
  expect(failed.status).toBe(400);
  // Rows are written off the request's path: wait until this test's are stored.
  await expect.poll(async () => ((await (await page.request.get(`/api/usage?model=${model}`)).json()) as { total: number }).total).toBe(3);
  await expect.poll(async () => ((await (await page.request.get("/api/usage?model=gpt-4o&status=error")).json()) as { total: number }).total).toBeGreaterThan(0);

  await page.goto("/stats");
  await expect(page.getByRole("heading", { name: "Statistics" })).toBeVisible();
  for (const name of ["Requests and errors over time", "Tokens over time", "Requests per key", "Requests per model"]) {
    const chart = page.getByRole("img", { name });
    await expect(chart.locator("canvas")).toBeVisible();
    await expect.poll(async () => Number(await chart.getAttribute("data-points"))).toBeGreaterThan(0);
  }
  await expect(page.locator("[data-log-row]").first()).toBeVisible();
  await screenshot(page, "stats-en");

  await page.getByRole("combobox", { name: "Status" }).selectOption("error");
  await expect(page).toHaveURL(/status=error/);
  // This test's failed call is among the errors (other tests' errors may be newer).
  await expect(page.locator("[data-log-row]").filter({ hasText: "gpt-4o" }).filter({ hasText: "400" }).first()).toBeVisible();
  // An error status, or a stream that broke off after its 200: both are errors, both badged so.
  const badges = await page.locator("[data-log-row] .badge").evaluateAll((nodes) => nodes.map((node) => node.className));
  expect(badges.length).toBeGreaterThan(0);
  expect(badges.every((name) => name.includes("invalid"))).toBe(true);

  await page.getByRole("combobox", { name: "Status" }).selectOption("success");
  await page.getByRole("combobox", { name: "Model" }).selectOption(model);
  await expect(page).toHaveURL(new RegExp(`model=${model}`));
  await expect(page.locator("[data-log-row]")).toHaveCount(3);
  await page.locator("[data-log-row]").first().click();
  await expect(page.getByTestId("request-body")).toContainText("stats question");
  await expect(page.getByTestId("response-body")).toContainText("Hello from the fake upstream!");

  await page.getByRole("combobox", { name: "Range" }).selectOption("7d");
  await expect(page).toHaveURL(/range=7d/);
  await expect(page.getByRole("combobox", { name: "Per" })).toHaveValue("day");
  await expect.poll(async () => Number(await page.getByRole("img", { name: "Requests and errors over time" }).getAttribute("data-points"))).toBeGreaterThan(0);

  // The overview shows today's numbers and the same chart.
  await page.goto("/");
  await expect(page.locator("[data-kpi=requests] .value")).not.toHaveText("0");
  await expect.poll(async () => Number(await page.getByRole("img").first().getAttribute("data-points"))).toBeGreaterThan(0);
});

test("two filters changed one right after the other both stay in the address", async ({ adminPage: page }) => {
  await page.goto("/stats");
  // Both changes in one task, before the first one's navigation lands: the second must build on the first.
  await page.evaluate(() => {
    const select = (label: string) => document.querySelector(`select[aria-label="${label}"]`) as HTMLSelectElement;
    for (const [label, value] of [["Status", "error"], ["Model", "gpt-4o-mini"]] as const) {
      const element = select(label);
      if (![...element.options].some((option) => option.value === value)) element.add(new Option(value, value));
      element.value = value;
      element.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  await expect(page).toHaveURL(/model=gpt-4o-mini/);
  await expect(page).toHaveURL(/status=error/);
});
