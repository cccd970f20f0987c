import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES } from "@/lib/env";

describe("configuration docs", () => {
  it("the README's table lists every variable KeyPool reads, and no other", () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Using the proxy"));
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
