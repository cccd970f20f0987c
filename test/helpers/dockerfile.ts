import fs from "node:fs";
import path from "node:path";

export type Instruction = { keyword: string; args: string };
export type Stage = { name: string | null; from: string; instructions: Instruction[] };

/** Parses a Dockerfile into stages of instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const upper = keyword.toUpperCase();
    const value = rest.join(" ");
    if (upper === "FROM") {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(value);
      const from = (match?.[1] ?? "").replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? "");
      stages.push({ name: match?.[2] ?? null, from, instructions: [] });
    } else if (upper === "ARG" && stages.length === 0) {
      const [name = "", fallback = ""] = value.split("=");
      args.set(name, fallback);
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: value });
    }
  }
  return { args, stages };
}

export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((item) => item.keyword === "ENV")) {
    for (const match of instruction.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[match[1] as string] = (match[2] as string).replace(/^"|"$/g, "");
  }
  return env;
}

export function workdirOf(stage: Stage): string {
  return stage.instructions.filter((item) => item.keyword === "WORKDIR").at(-1)?.args ?? "/";
}

/** The exec-form command of a stage: CMD ["node", "…"]. Throws for the shell form. */
export function execCommandOf(stage: Stage): string[] {
  const cmd = stage.instructions.filter((item) => item.keyword === "CMD").at(-1);
  if (!cmd?.args.startsWith("[")) throw new Error("CMD is not in exec form");
  return JSON.parse(cmd.args) as string[];
}

function copyInto(source: string, destination: string): void {
  const stat = fs.statSync(source);
  if (stat.isDirectory()) {
    fs.mkdirSync(destination, { recursive: true });
    fs.cpSync(source, destination, { recursive: true, dereference: true });
  } else {
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.copyFileSync(source, destination);
  }
}

/**
 * Lays out `target` as the final stage's image would hold it: every `COPY --from=<build stage>`
 * with its source read from the repository (the build stage's WORKDIR is the repository root).
 */
export function layOutImage(dockerfile: string, repoRoot: string, target: string): { stage: Stage; workdir: string } {
  const { stages } = parseDockerfile(fs.readFileSync(dockerfile, "utf8"));
  const final = stages.at(-1);
  if (!final) throw new Error("Dockerfile has no stage");
  const workdir = workdirOf(final);
  for (const instruction of final.instructions.filter((item) => item.keyword === "COPY")) {
    const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith("--chown") && !part.startsWith("--chmod"));
    const from = /^--from=(\S+)$/.exec(parts[0] ?? "")?.[1];
    if (!from) throw new Error(`COPY without --from in the final stage copies from the build context: ${instruction.args}`);
    const buildStage = stages.find((stage) => stage.name === from);
    if (!buildStage) throw new Error(`unknown stage ${from}`);
    const buildWorkdir = workdirOf(buildStage);
    const sources = parts.slice(1, -1);
    const destination = parts.at(-1) as string;
    const destinationPath = path.resolve(target, path.posix.relative(workdir, path.posix.resolve(workdir, destination)));
    for (const source of sources) {
      const sourcePath = path.join(repoRoot, path.posix.relative(buildWorkdir, source));
      const multiple = sources.length > 1 || destination.endsWith("/");
      const isFile = fs.statSync(sourcePath).isFile();
      copyInto(sourcePath, multiple && isFile ? path.join(destinationPath, path.basename(sourcePath)) : destinationPath);
    }
  }
  return { stage: final, workdir };
}
