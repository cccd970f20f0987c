import fs from "node:fs";
import { defineConfig } from "@playwright/test";

// Debian's Chromium when present: Playwright must never download a browser here.
const systemChromium = "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  outputDir: "test-results",
  use: {
    trace: "retain-on-failure",
    viewport: { width: 1280, height: 860 },
    locale: "en-US",
    launchOptions: {
      ...(fs.existsSync(systemChromium) ? { executablePath: systemChromium } : {}),
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
});
