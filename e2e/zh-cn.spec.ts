import { ADMIN_KEY } from "../test/helpers/keypool";
import { expect, screenshot, test } from "./fixtures";

test.describe("for a zh-CN browser", () => {
  test.use({ locale: "zh-CN" });

  test("speaks Chinese throughout, and the language switch is remembered", async ({ page }) => {
    await page.goto("/login");
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
    await expect(page.getByLabel("管理员密钥")).toBeVisible();
    await screenshot(page, "login-zh");
    await page.getByLabel("管理员密钥").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "登录" }).click();
    await expect(page.getByRole("heading", { name: "概览" })).toBeVisible();
    await screenshot(page, "overview-zh");

    for (const [path, heading, file] of [
      ["/keys", "密钥", "keys-zh"],
      ["/stats", "统计", "stats-zh"],
      ["/models", "模型", "models-zh"],
      ["/chat", "对话测试", "chat-zh"],
      ["/tokens", "访问令牌", "tokens-zh"],
    ] as const) {
      await page.goto(path);
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      // No English left on the page but names, keys and numbers.
      const text = (await page.locator("main").innerText()).replace(/the big one|sk-\.\.\.\w{4}|kp-\S+|gpt-[\w.-]+|text-embedding-[\w-]+|whisper-1|KeyPool|ADMIN_KEY|Base URL|https?:\/\/\S+|Shift|\d+/g, "");
      expect(text, path).not.toMatch(/\b(the|and|Requests?|Keys?|Add|Delete|Status|Loading|Model|Tokens?)\b/);
      await screenshot(page, file);
    }

    await page.getByRole("combobox", { name: "语言" }).selectOption("en");
    await expect(page.getByRole("heading", { name: "Client tokens" })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { name: "Client tokens" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
  });
});
