import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import zh from "@/messages/zh.json";

const ROOT = path.resolve(import.meta.dirname, "../..");

function leaves(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([name, value]) =>
    typeof value === "object" && value !== null ? leaves(value, `${prefix}${name}.`) : [`${prefix}${name}`],
  );
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

describe("translations", () => {
  it("has the same messages in English and Chinese", () => {
    expect(leaves(zh).sort()).toEqual(leaves(en).sort());
  });

  it("has every message the pages ask for", () => {
    const known = new Set(leaves(en));
    const missing: string[] = [];
    for (const file of [...sourceFiles(path.join(ROOT, "app")), ...sourceFiles(path.join(ROOT, "components"))]) {
      const text = fs.readFileSync(file, "utf8");
      for (const [, variable, namespace] of text.matchAll(/const (\w+) = (?:await )?(?:useTranslations|getTranslations)\("(\w+)"\)/g)) {
        for (const [, key] of text.matchAll(new RegExp(`\\b${variable}\\("([\\w.]+)"`, "g"))) {
          if (!known.has(`${namespace}.${key}`)) missing.push(`${path.relative(ROOT, file)}: ${namespace}.${key}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
