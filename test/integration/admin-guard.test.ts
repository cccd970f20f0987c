import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, fakeKey, pageHeaders, startKeyPool, tempDataDir, type KeyPoolServer } from "../helpers/keypool";

// The admin surface against guessing and misuse: one guessing limit for every path, sessions
// that end when the admin key changes, private database files, bounded queries and imports,
// configuration refused at start.

let upstream: FakeOpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});

afterAll(async () => {
  await upstream?.close();
});

async function withServer(env: Record<string, string>, run: (server: KeyPoolServer) => Promise<void>, dataDir?: string): Promise<void> {
  const server = await startKeyPool({ upstreamUrl: upstream.url, env, dataDir });
  try {
    await run(server);
  } finally {
    await server.stop();
  }
}

async function login(server: KeyPoolServer, adminKey: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/api/auth/login`, { method: "POST", headers: pageHeaders(server, headers), body: JSON.stringify({ adminKey }) });
}

async function sessionCookie(server: KeyPoolServer, adminKey = ADMIN_KEY): Promise<string> {
  const response = await login(server, adminKey);
  expect(response.status).toBe(200);
  return (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

describe("guessing the admin key", () => {
  it("counts wrong keys by every path toward one limit per client, answered 429 with Retry-After, while other clients and client tokens go on", async () => {
    await withServer({ TRUST_PROXY: "1" }, async (server) => {
      const token = ((await (await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: "app" }) })).json()) as { token: string }).token;
      await adminFetch(server, "/api/keys", { method: "POST", body: JSON.stringify({ key: fakeKey("GRD1") }) });
      const attacker = { "x-forwarded-for": "203.0.113.7" };
      const asAttacker = (key: string) => [
        () => login(server, key, attacker),
        () => fetch(`${server.url}/api/keys`, { headers: { ...attacker, authorization: `Bearer ${key}` } }),
        () => fetch(`${server.url}/v1/models`, { headers: { ...attacker, authorization: `Bearer ${key}` } }),
      ];
      // Ten wrong keys, spread over the login form, Bearer on /api and Bearer on /v1.
      const statuses: number[] = [];
      for (let i = 0; i < 10; i += 1) statuses.push((await (asAttacker(`wrong-guess-${i}-xxxxxxxx`)[i % 3] as () => Promise<Response>)()).status);
      expect(statuses).toEqual(Array(10).fill(401));

      // Now every path answers 429, whatever key comes next: a blocked client learns nothing from its guesses.
      for (const attempt of [...asAttacker("another-guess-xxxxxxxx"), ...asAttacker(ADMIN_KEY)]) {
        const response = await attempt();
        expect(response.status).toBe(429);
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
        expect((await response.json()).error).toMatchObject({ type: "rate_limit_error", code: "too_many_failed_attempts" });
      }
      // A client token from the same address is beyond guessing and still served.
      expect((await fetch(`${server.url}/v1/models`, { headers: { ...attacker, authorization: `Bearer ${token}` } })).status).toBe(200);
      // The admin, from their own address, is not locked out by a stranger.
      const admin = { "x-forwarded-for": "198.51.100.1" };
      expect((await login(server, ADMIN_KEY, admin)).status).toBe(200);
      expect((await fetch(`${server.url}/api/keys`, { headers: { ...admin, authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);
      expect((await fetch(`${server.url}/v1/models`, { headers: { ...admin, authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);
    });
  });

  it("ignores a spoofed X-Forwarded-For unless TRUST_PROXY is set", async () => {
    await withServer({}, async (server) => {
      for (let i = 0; i < 10; i += 1) {
        const response = await fetch(`${server.url}/api/keys`, { headers: { "x-forwarded-for": `192.0.2.${i}`, authorization: `Bearer wrong-guess-${i}-xxxxxxxx` } });
        expect(response.status).toBe(401);
      }
      // A new address in the header buys no new tries: the socket's address is what counts.
      const spoofed = await fetch(`${server.url}/api/keys`, { headers: { "x-forwarded-for": "192.0.2.200", authorization: `Bearer ${ADMIN_KEY}` } });
      expect(spoofed.status).toBe(429);
    });
  });
});

describe("sessions", () => {
  it("end when ADMIN_KEY changes, and not when it stays; an expired one is refused; sign out everywhere ends them all", async () => {
    const dataDir = tempDataDir();
    const first = "first-admin-key-0123456789";
    let cookie = "";
    let other = "";
    await withServer({ ADMIN_KEY: first }, async (server) => {
      cookie = await sessionCookie(server, first);
      expect((await fetch(`${server.url}/api/keys`, { headers: { cookie } })).status).toBe(200);
    }, dataDir);
    // The stored admin key is an HMAC under the secret, not a hash anyone can test guesses against.
    const stored = new Database(path.join(dataDir, "keypool.db"), { readonly: true }).prepare(`SELECT value FROM Setting WHERE key = 'admin.keyHash'`).get() as { value: string };
    expect(stored.value).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);

    await withServer({ ADMIN_KEY: first }, async (server) => {
      expect((await fetch(`${server.url}/api/keys`, { headers: { cookie } })).status).toBe(200);
    }, dataDir);

    const second = "second-admin-key-0123456789";
    await withServer({ ADMIN_KEY: second }, async (server) => {
      expect((await fetch(`${server.url}/api/keys`, { headers: { cookie } })).status).toBe(401);
      expect((await login(server, first)).status).toBe(401);
      cookie = await sessionCookie(server, second);
      other = await sessionCookie(server, second);
      expect((await fetch(`${server.url}/api/keys`, { headers: { cookie: other } })).status).toBe(200);

      // An expired session is refused.
      const db = new Database(server.databasePath);
      db.prepare(`UPDATE Session SET expiresAt = ? WHERE id = (SELECT MAX(id) FROM Session)`).run(Date.now() - 1000);
      db.close();
      expect((await fetch(`${server.url}/api/keys`, { headers: { cookie: other } })).status).toBe(401);

      other = await sessionCookie(server, second);
      const everywhere = await fetch(`${server.url}/api/auth/sessions`, { method: "DELETE", headers: { cookie, origin: server.url } });
      expect(everywhere.status).toBe(200);
      expect(everywhere.headers.get("set-cookie")).toMatch(/Max-Age=0/);
      for (const session of [cookie, other]) expect((await fetch(`${server.url}/api/keys`, { headers: { cookie: session } })).status).toBe(401);
    }, dataDir);
  });
});

describe("an admin key stored by an earlier version", () => {
  it("(a plain SHA-256) still lets the admin in, and is stored as an HMAC from then on", async () => {
    const dataDir = tempDataDir();
    const legacy = "legacy-admin-key-0123456789";
    await withServer({}, async () => undefined, dataDir);
    const db = new Database(path.join(dataDir, "keypool.db"));
    db.prepare(`UPDATE Setting SET value = ? WHERE key = 'admin.keyHash'`).run(createHash("sha256").update(legacy).digest("hex"));
    db.close();
    // No ADMIN_KEY: the stored hash is the only record of the key.
    await withServer({ ADMIN_KEY: "" }, async (server) => {
      expect((await fetch(`${server.url}/api/keys`, { headers: { authorization: `Bearer ${legacy}` } })).status).toBe(200);
      expect((await fetch(`${server.url}/api/keys`, { headers: { authorization: "Bearer not-the-legacy-key-0123" } })).status).toBe(401);
      await expect
        .poll(() => {
          const view = new Database(path.join(dataDir, "keypool.db"), { readonly: true });
          try {
            return (view.prepare(`SELECT value FROM Setting WHERE key = 'admin.keyHash'`).get() as { value: string }).value;
          } finally {
            view.close();
          }
        })
        .toMatch(/^hmac-sha256:/);
    }, dataDir);
  });
});

describe("the database on disk", () => {
  it("is readable by KeyPool's user only: the database, its WAL and the secret are 0600", async () => {
    await withServer({}, async (server) => {
      await adminFetch(server, "/api/keys", { method: "POST", body: JSON.stringify({ key: fakeKey("PERM") }) });
      const files = fs.readdirSync(server.dataDir).filter((name) => name.startsWith("keypool."));
      expect(files).toEqual(expect.arrayContaining(["keypool.db", "keypool.db-wal", "keypool.secret"]));
      for (const name of files) expect({ name, mode: (fs.statSync(path.join(server.dataDir, name)).mode & 0o777).toString(8) }).toEqual({ name, mode: "600" });
    });
  });
});

describe("bounds", () => {
  it("refuses oversized statistics ranges, bad ids and page numbers at once with 400", async () => {
    await withServer({}, async (server) => {
      for (const query of ["from=0001-01-01T00:00:00Z&bucket=day", "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z&bucket=hour"]) {
        const response = await adminFetch(server, `/api/stats?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        expect((await response.json()).error.type).toBe("invalid_request_error");
      }
      expect((await adminFetch(server, "/api/stats?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z")).status).toBe(200);
      for (const pathname of ["/api/keys/abc", "/api/keys/0", "/api/keys/99999999999", "/api/usage?page=99999999", "/api/usage?pageSize=1000"]) {
        const response = await adminFetch(server, pathname);
        expect({ pathname, status: response.status }).toEqual({ pathname, status: 400 });
      }
      const badId = await (await adminFetch(server, "/api/keys/abc")).json();
      expect(badId.error.param).toBe("id");
    });
  });

  it("adds at most 10,000 keys per call: 10,001 are refused whole, 10,000 go in while other requests are served", async () => {
    await withServer({}, async (server) => {
      const keys = Array.from({ length: 10_001 }, (_, index) => `sk-bulk-${String(index).padStart(6, "0")}-${"a".repeat(20)}`);
      const refused = await adminFetch(server, "/api/keys", { method: "POST", body: JSON.stringify({ text: keys.join("\n") }) });
      expect(refused.status).toBe(400);
      expect((await refused.json()).error.message).toContain("Nothing was added");
      expect((await (await fetch(`${server.url}/api/health`)).json()).totalKeys).toBe(0);

      let imported = false;
      const importing = adminFetch(server, "/api/keys", { method: "POST", body: JSON.stringify({ text: keys.slice(0, 10_000).join("\n") }) }).then(async (response) => {
        imported = true;
        return response;
      });
      // Health keeps answering during the import: the keys go in parts, with other requests served between them.
      const seen: number[] = [];
      while (!imported) {
        const health = (await (await fetch(`${server.url}/api/health`)).json()) as { totalKeys: number };
        if (!imported) seen.push(health.totalKeys);
      }
      const response = await importing;
      expect(response.status).toBe(201);
      expect((await response.json()).added).toBe(10_000);
      expect(seen.some((count) => count > 0 && count < 10_000)).toBe(true);
      expect((await (await fetch(`${server.url}/api/health`)).json()).totalKeys).toBe(10_000);
    });
  }, 120_000);
});

describe("configuration", () => {
  it("is checked at start: a bad value stops KeyPool with a message naming it", async () => {
    for (const [name, value, says] of [
      ["SHUTDOWN_GRACE_MS", "abc", "SHUTDOWN_GRACE_MS"],
      ["HOST", "not a host!", "HOST"],
      ["ADMIN_KEY", "too-short", "at least 16 characters"],
      ["TRUST_PROXY", "maybe", "TRUST_PROXY"],
    ] as const) {
      const failed = await startKeyPool({ upstreamUrl: upstream.url, env: { [name]: value } }).then(
        async (server) => {
          await server.stop();
          return "";
        },
        (error: Error) => error.message,
      );
      expect(failed, name).toContain("Invalid configuration");
      expect(failed, name).toContain(says);
    }
  });
});
