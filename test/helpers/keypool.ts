import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Behavior, FakeOpenAI } from "./fake-openai";

export const ADMIN_KEY = "test-admin-key-0123456789";
const ROOT = path.resolve(import.meta.dirname, "../..");

export type KeyPoolServer = {
  url: string;
  dataDir: string;
  databasePath: string;
  output: () => string;
  /** SIGTERM, then wait for the exit code. */
  stop: () => Promise<number | null>;
  /** Kills without a graceful stop. */
  kill: () => Promise<void>;
  /** Sends a signal (default SIGTERM) without waiting for the process to exit. */
  signal: (name?: NodeJS.Signals) => void;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  pid: number;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "keypool-test-"));
}

export type StartOptions = { upstreamUrl: string; dataDir?: string; env?: Record<string, string>; command?: string[]; cwd?: string };

/** Starts the built server the way `npm start` does, on loopback, against a temporary SQLite file. */
export async function startKeyPool(options: StartOptions): Promise<KeyPoolServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  const port = await freePort();
  const databasePath = path.join(dataDir, "keypool.db");
  const child: ChildProcess = spawn(options.command?.[0] ?? process.execPath, options.command?.slice(1) ?? ["scripts/start.mjs"], {
    cwd: options.cwd ?? ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: `file:${databasePath}`,
      OPENAI_BASE_URL: options.upstreamUrl,
      ADMIN_KEY,
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
      // Syncs call the upstream on their own; tests that count upstream calls turn them on when they need them.
      MODEL_SYNC_SECONDS: "0",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`KeyPool exited during start:\n${output}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`KeyPool did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    dataDir,
    databasePath,
    output: () => output,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    signal: (name = "SIGTERM") => {
      child.kill(name);
    },
    exited,
    pid: child.pid as number,
  };
}

export function adminFetch(server: KeyPoolServer, pathname: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${ADMIN_KEY}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  return fetch(`${server.url}${pathname}`, { ...init, headers });
}

/** What a KeyPool page's own fetch sends with a POST: its origin (the server refuses cookie callers without it) and JSON. */
export function pageHeaders(server: KeyPoolServer, extra: Record<string, string> = {}): Record<string, string> {
  return { origin: server.url, "content-type": "application/json", ...extra };
}

/** Logs in as the dashboard does; returns the session cookie ("name=value"). */
export async function loginCookie(server: KeyPoolServer): Promise<string> {
  const login = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: pageHeaders(server), body: JSON.stringify({ adminKey: ADMIN_KEY }) });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

/** Adds keys through the admin API and returns their ids in order. */
/** POST /v1/chat/completions with a JSON body and Bearer credentials (the admin key unless another is named). */
export function postChat(server: KeyPoolServer, body: Record<string, unknown>, { credential = ADMIN_KEY, signal }: { credential?: string; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    signal,
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function addKeys(server: KeyPoolServer, keys: string[]): Promise<number[]> {
  const response = await adminFetch(server, "/api/keys", { method: "POST", body: JSON.stringify({ keys }) });
  if (response.status !== 201) throw new Error(`adding keys failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { data: { id: number }[] };
  return body.data.map((key) => key.id);
}

/** Request logs are written off the request's path; wait until `count` rows are there. */
export async function waitForLogs(server: KeyPoolServer, count: number, query = ""): Promise<{ data: Record<string, unknown>[]; total: number }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await adminFetch(server, `/api/usage?pageSize=200${query}`);
    const body = (await response.json()) as { data: Record<string, unknown>[]; total: number };
    if (body.total >= count || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls the request log until a row matches (rows are written off the request's path). */
export async function waitForLog(server: KeyPoolServer, match: (row: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const body = (await (await adminFetch(server, "/api/usage?pageSize=50")).json()) as { data: Record<string, unknown>[] };
    const row = body.data.find(match);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no matching log row among ${JSON.stringify(body.data.slice(0, 3))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const fakeKey = (label: string) => `sk-test-${"0".repeat(20)}-${label.padStart(4, "0")}`;

let poolLabels = 0;

/** Replaces the whole key pool with fresh keys that the fake upstream answers as given; returns the keys and their ids in order. */
export async function replacePool(server: KeyPoolServer, upstream: FakeOpenAI, ...behaviors: Behavior[]): Promise<{ keys: string[]; ids: number[] }> {
  const existing = ((await (await adminFetch(server, "/api/keys")).json()) as { data: { id: number }[] }).data;
  for (const key of existing) await adminFetch(server, `/api/keys/${key.id}`, { method: "DELETE" });
  const keys = behaviors.map((behavior) => {
    const key = fakeKey(`P${(poolLabels += 1)}`);
    upstream.behaviors.set(key, behavior);
    return key;
  });
  return { keys, ids: keys.length > 0 ? await addKeys(server, keys) : [] };
}

/** Every key's status, in id order. */
export async function keyStatuses(server: KeyPoolServer): Promise<string[]> {
  const keys = ((await (await adminFetch(server, "/api/keys")).json()) as { data: { id: number; status: string }[] }).data;
  return keys.sort((a, b) => a.id - b.id).map((key) => key.status);
}
