import fs from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, addKeys, adminFetch, fakeKey, pageHeaders, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

let upstream: FakeOpenAI;
let server: KeyPoolServer;

const openaiError = expect.objectContaining({ error: expect.objectContaining({ message: expect.any(String), type: expect.any(String) }) });

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
  await addKeys(server, [fakeKey("AUTH")]);
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

describe("admin API auth", () => {
  it("refuses /api/* without credentials or with a wrong key, in OpenAI's shape", async () => {
    for (const headers of [new Headers(), new Headers({ authorization: "Bearer wrong-key-123456" })]) {
      const response = await fetch(`${server.url}/api/keys`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(openaiError);
    }
  });

  it("answers unknown admin paths with an OpenAI-shaped 404", async () => {
    const response = await fetch(`${server.url}/api/nothing-here`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(openaiError);
  });

  it("lets health through without credentials", async () => {
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: "ok", usableKeys: 1 });
  });

  it("logs in with the admin key into an HttpOnly SameSite session, and out again", async () => {
    const wrong = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: pageHeaders(server), body: JSON.stringify({ adminKey: "nope-nope-nope" }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();

    const login = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: pageHeaders(server), body: JSON.stringify({ adminKey: ADMIN_KEY }) });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const cookie = setCookie.split(";")[0] ?? "";
    expect((await fetch(`${server.url}/api/keys`, { headers: { cookie } })).status).toBe(200);

    const logout = await fetch(`${server.url}/api/auth/logout`, { method: "POST", headers: { cookie, origin: server.url } });
    expect(logout.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await fetch(`${server.url}/api/keys`, { headers: { cookie } })).status).toBe(401);
  });
});

describe("client tokens for /v1", () => {
  it("refuses /v1 without a token or with an unknown one", async () => {
    for (const apiKey of ["kp-unknown-token-abcdef", ""]) {
      const response = await fetch(`${server.url}/v1/models`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(openaiError);
    }
  });

  it("accepts a client token on /v1 and shows it once; the token is no admin credential", async () => {
    const created = await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: "my app" }) });
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: number; token: string; prefix: string };
    expect(token.token).toMatch(/^kp-/);
    expect(token.token.startsWith(token.prefix)).toBe(true);

    const client = new OpenAI({ apiKey: token.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
    expect((await client.models.list()).data.length).toBeGreaterThan(0);

    const asAdmin = await fetch(`${server.url}/api/keys`, { headers: { authorization: `Bearer ${token.token}` } });
    expect(asAdmin.status).toBe(403);

    const listed = await (await adminFetch(server, "/api/tokens")).text();
    expect(listed).not.toContain(token.token);
    expect(listed).not.toMatch(/"hash"/);

    // The log row names the token that made the call; last use is recorded.
    const deadline = Date.now() + 5000;
    let lastUsedAt: string | null = null;
    while (!lastUsedAt && Date.now() < deadline) {
      const tokens = (await (await adminFetch(server, "/api/tokens")).json()).data as { id: number; lastUsedAt: string | null }[];
      lastUsedAt = tokens.find((row) => row.id === token.id)?.lastUsedAt ?? null;
      if (!lastUsedAt) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lastUsedAt).not.toBeNull();

    expect((await adminFetch(server, `/api/tokens/${token.id}`, { method: "DELETE" })).status).toBe(204);
    const revoked = await client.models.list().catch((error: unknown) => error);
    expect((revoked as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
  });
});

describe("browser clients", () => {
  it("get CORS on /v1, preflight included, and can read errors", async () => {
    const preflight = await fetch(`${server.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://chat.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const models = await fetch(`${server.url}/v1/models`, { headers: { origin: "https://chat.example", authorization: `Bearer ${ADMIN_KEY}` } });
    expect(models.headers.get("access-control-allow-origin")).toBe("*");
    const refused = await fetch(`${server.url}/v1/models`, { headers: { origin: "https://chat.example" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    // The admin API stays same-origin.
    const admin = await fetch(`${server.url}/api/keys`, { headers: { origin: "https://chat.example", authorization: `Bearer ${ADMIN_KEY}` } });
    expect(admin.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("a generated admin key", () => {
  it("is printed once at first start, stored only as a hash, and still works after a restart", async () => {
    const first = await startKeyPool({ upstreamUrl: upstream.url, env: { ADMIN_KEY: "" } });
    const printed = /KeyPool admin key[^:]*: (kp-admin-[A-Za-z0-9_-]+)/.exec(first.output())?.[1];
    expect(printed).toBeTruthy();
    const bearer = { authorization: `Bearer ${printed}` };
    expect((await fetch(`${first.url}/api/keys`, { headers: bearer })).status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await startKeyPool({ upstreamUrl: upstream.url, dataDir: first.dataDir, env: { ADMIN_KEY: "" } });
    expect(second.output()).not.toContain("KeyPool admin key");
    expect((await fetch(`${second.url}/api/keys`, { headers: bearer })).status).toBe(200);
    expect(await second.stop()).toBe(0);

    for (const name of fs.readdirSync(first.dataDir)) {
      expect(fs.readFileSync(path.join(first.dataDir, name)).includes(Buffer.from(printed as string))).toBe(false);
    }
    const secretFile = path.join(first.dataDir, "keypool.secret");
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
  });
});
