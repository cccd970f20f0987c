// What the bench scripts (run.mjs, stats-load.mjs) share.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Node's arguments for the KeyPool checkout at `root` exactly as its `npm start` gives them (a heap flag included), for spawn(process.execPath, …). */
export function startArgs(root = ROOT) {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const [command, ...args] = scripts.start.split(" ");
  if (command !== "node") throw new Error(`npm start runs ${command}, not node: the bench cannot start KeyPool the same way`);
  return args;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Listens on loopback, on PORT or any free port. Forked by the bench, it reports the port over IPC;
 * run alone, it prints what `describe(port)` says.
 */
export function listenForBench(server, describe) {
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    const { port } = server.address();
    if (process.send) process.send({ port });
    else console.log(describe(port));
  });
}

/** A port nothing listens on, on loopback, for a server the bench starts. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
