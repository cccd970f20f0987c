// Starts KeyPool: database folder and pending migrations, then Next.js, then KeyPool's own HTTP
// server (lib/server: /v1 on the lean edge, the rest through Next, access log, graceful stop).
// The same file starts the repository build and the standalone image.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { migrate } from "./migrate.mjs";

// No allocation-site pretenuring. Under load V8 saw most objects of some allocation sites on the
// /v1 path outlive a young GC (one runs while dozens of requests are in flight) and began
// allocating them in the old generation. Each such object that died kept whatever young objects it
// pointed to alive until the next full GC, so every young GC copied and promoted whole finished
// requests: 1.4 MB per young GC instead of 60 KB, pauses of 5-7 ms instead of 2-3, and about 8 %
// more CPU per request (two KeyPools side by side under the same load). Set here, before anything
// is allocated, so that every way of starting KeyPool gets it.
v8.setFlagsFromString("--no-allocation-site-pretenuring");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const log = (level, msg, fields = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));

// Next prints a few plain lines of its own; wrap them so the output stays one JSON object per line.
function jsonLinesOnly(stream, level) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    // KeyPool's own lines (the access log comes in batches of them) are JSON already.
    if (typeof chunk === "string" && chunk.startsWith("{") && chunk.endsWith("\n") && !/\n[^{]/.test(chunk.slice(0, -1))) return write(chunk, ...rest);
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const wrapped = lines.map((line) =>
      line.startsWith("{") ? line : JSON.stringify({ time: new Date().toISOString(), level, msg: line.replace(/\u001b\[[0-9;]*m/g, "").trim() }),
    );
    return write(wrapped.length > 0 ? `${wrapped.join("\n")}\n` : "", ...rest);
  };
}
jsonLinesOnly(process.stdout, "info");
jsonLinesOnly(process.stderr, "error");

// Everything KeyPool creates (the database, its WAL, copies, the secret) is for its own user only.
process.umask(0o077);
process.chdir(root);
process.env.NODE_ENV = "production";
process.env.DATABASE_URL ||= "file:./data/keypool.db";
const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "0.0.0.0";

function loadBuiltConfig() {
  const file = path.join(root, ".next", "required-server-files.json");
  if (!fs.existsSync(file)) {
    log("error", "no production build found: run `npm run build` first");
    process.exit(1);
  }
  // The standalone image holds no next.config: Next reads the config the build recorded.
  const { config } = JSON.parse(fs.readFileSync(file, "utf8"));
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}

async function main() {
  const databasePath = path.resolve(root, process.env.DATABASE_URL.replace(/^file:/, ""));
  migrate({ databasePath, migrationsDir: path.join(root, "prisma", "migrations"), log });
  log("info", "database ready", { database: databasePath });

  loadBuiltConfig();
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: root, hostname: host, port });
  await app.prepare();
  // Next would run instrumentation.ts on its first request; KeyPool boots before it listens.
  // It is the same module Next loads (same require cache), and its register() runs once.
  await createRequire(import.meta.url)(path.join(root, ".next", "server", "instrumentation.js")).register();
  // instrumentation.ts booted KeyPool inside Next's bundles and left the server to listen with.
  const serve = globalThis[Symbol.for("keypool.serve")];
  if (typeof serve !== "function") throw new Error("the build has no KeyPool server: run `npm run build` again");
  await serve(app.getRequestHandler());
}

main().catch((error) => {
  log("error", "KeyPool failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
