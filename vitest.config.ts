import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each integration file starts its own server; two cores take two at a time.
    maxWorkers: 2,
    alias: { "@/": new URL("./", import.meta.url).pathname },
  },
});
