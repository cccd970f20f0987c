import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envOf, execCommandOf, parseDockerfile, workdirOf } from "../helpers/dockerfile";

const ROOT = path.resolve(import.meta.dirname, "../..");
const { stages } = parseDockerfile(fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
const final = stages.at(-1);
const keywords = (keyword: string) => final?.instructions.filter((item) => item.keyword === keyword) ?? [];

describe("Dockerfile", () => {
  it("builds in one stage and ships a slim final stage that copies only from the build", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(keywords("COPY").length).toBeGreaterThan(0);
    for (const copy of keywords("COPY")) expect(copy.args).toMatch(/^--from=\S+/);
    expect(keywords("RUN").every((run) => !/npm (ci|install)/.test(run.args))).toBe(true);
  });

  it("pins every base image to a version, never latest", () => {
    for (const stage of stages) {
      expect(stage.from).toMatch(/:[\w.-]+$/);
      expect(stage.from).not.toMatch(/:latest$/);
    }
  });

  it("runs as a non-root user", () => {
    const user = keywords("USER").at(-1)?.args;
    expect(user).toBeTruthy();
    expect(["root", "0", "0:0"]).not.toContain(user);
  });

  it("keeps the data on a volume at /app/data, exposes 3000 and checks /api/health", () => {
    expect(workdirOf(final as NonNullable<typeof final>)).toBe("/app");
    expect(keywords("VOLUME").map((item) => item.args).join(" ")).toContain("/app/data");
    expect(keywords("EXPOSE").map((item) => item.args)).toContain("3000");
    expect(keywords("HEALTHCHECK").at(-1)?.args).toContain("/api/health");
    expect(envOf(final as NonNullable<typeof final>).DATABASE_URL).toBe("file:/app/data/keypool.db");
  });

  it("puts no secret in ENV", () => {
    for (const stage of stages) {
      for (const name of Object.keys(envOf(stage))) expect(name).not.toMatch(/KEY|SECRET|TOKEN|PASSWORD/i);
    }
  });

  it("starts in exec form with paths relative to WORKDIR", () => {
    const command = execCommandOf(final as NonNullable<typeof final>);
    expect(command[0]).toBe("node");
    for (const arg of command.slice(1)) expect(path.isAbsolute(arg)).toBe(false);
  });

  it("starts KeyPool with the same Node flags as npm start", () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(execCommandOf(final as NonNullable<typeof final>)).toEqual(scripts.start?.split(" "));
  });

  it("keeps node_modules, build output, data and secrets out of the build context", () => {
    const ignored = fs.readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n").map((line) => line.trim());
    for (const entry of ["node_modules", ".next", "data", "*.secret", ".env*"]) expect(ignored).toContain(entry);
  });
});
