import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, fakeKey, loginCookie, pageHeaders, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let cookie: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
  cookie = await loginCookie(server);
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

const tokenNames = async () => ((await (await adminFetch(server, "/api/tokens")).json()) as { data: { name: string }[] }).data.map((token) => token.name);
const keyCount = async () => ((await (await adminFetch(server, "/api/keys")).json()) as { data: unknown[] }).data.length;

const PAGE_HEADERS = ["x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy"];

describe("security headers", () => {
  it("every page has a nonce-only script policy that Next uses on its own scripts, no framing, nosniff, no referrer to other origins", async () => {
    // The login page without a session, a dashboard page with one.
    for (const [path, headers] of [["/login", {}], ["/keys", { cookie }]] as const) {
      const response = await fetch(`${server.url}${path}`, { headers, redirect: "manual" });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
      expect(response.headers.get("strict-transport-security")).toBeNull();
      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy).toContain("frame-ancestors 'none'");
      const scripts = /(?:^|;)\s*script-src ([^;]*)/.exec(policy)?.[1] ?? "";
      expect(scripts).not.toContain("unsafe-inline");
      expect(scripts).not.toContain("unsafe-eval");
      const nonce = /'nonce-([^']+)'/.exec(scripts)?.[1];
      expect(nonce).toBeTruthy();
      const html = await response.text();
      const tags = html.match(/<script\b[^>]*>/g) ?? [];
      expect(tags.length).toBeGreaterThan(0);
      expect(tags.filter((tag) => !tag.includes(`nonce="${nonce}"`))).toEqual([]);
    }
    const again = await fetch(`${server.url}/login`);
    expect(again.headers.get("content-security-policy")).not.toBe((await fetch(`${server.url}/login`)).headers.get("content-security-policy"));
  });

  it("a policy a client sends in the request cannot choose the nonce", async () => {
    const response = await fetch(`${server.url}/login`, { headers: { "content-security-policy": "script-src 'nonce-chosenbyme'" } });
    expect(response.headers.get("content-security-policy")).not.toContain("chosenbyme");
    expect(await response.text()).not.toContain("chosenbyme");
  });

  it("every /api answer is no-store, the one that shows a new token included", async () => {
    const created = await adminFetch(server, "/api/tokens", { method: "POST", body: JSON.stringify({ name: "shown-once" }) });
    expect(created.status).toBe(201);
    const answers = [created, await adminFetch(server, "/api/keys"), await fetch(`${server.url}/api/keys`), await fetch(`${server.url}/api/health`)];
    for (const response of answers) {
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
  });

  it("HSTS only when the request came over HTTPS (here: a proxy's X-Forwarded-Proto)", async () => {
    const response = await fetch(`${server.url}/login`, { headers: { "x-forwarded-proto": "https" } });
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
  });

  it("/v1 gets none of the page headers and still works", async () => {
    await adminFetch(server, "/api/keys", { method: "POST", body: JSON.stringify({ key: fakeKey("WS1") }) });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    for (const name of PAGE_HEADERS) expect(response.headers.get(name)).toBeNull();
  });
});

describe("cross-site requests", () => {
  const post = (path: string, headers: Record<string, string>, body: string) => fetch(`${server.url}${path}`, { method: "POST", headers: { cookie, ...headers }, body });

  it("a cookie POST from another origin, or with no origin at all, is refused in OpenAI's shape and changes nothing", async () => {
    // A session of its own: a logout that got through must not end the one the other tests use.
    const victim = await loginCookie(server);
    const post = (path: string, headers: Record<string, string>, body: string) => fetch(`${server.url}${path}`, { method: "POST", headers: { cookie: victim, ...headers }, body });
    const names = await tokenNames();
    const keys = await keyCount();
    const attempts = [
      post("/api/tokens", { origin: "http://127.0.0.1:1", "content-type": "application/json" }, JSON.stringify({ name: "csrf-1" })),
      post("/api/tokens", { origin: "null", "content-type": "application/json" }, JSON.stringify({ name: "csrf-2" })),
      post("/api/tokens", { "content-type": "application/json" }, JSON.stringify({ name: "csrf-3" })),
      post("/api/tokens", { "sec-fetch-site": "cross-site", "content-type": "application/json" }, JSON.stringify({ name: "csrf-4" })),
      post("/api/tokens", { "sec-fetch-site": "same-site", "content-type": "application/json" }, JSON.stringify({ name: "csrf-5" })),
      post("/api/tokens", { origin: server.url.replace("http:", "https:"), "content-type": "application/json" }, JSON.stringify({ name: "csrf-6" })),
      // What a <form enctype="text/plain"> sends: a body that parses as JSON.
      post("/api/keys", { origin: "http://127.0.0.1:1", "content-type": "text/plain" }, JSON.stringify({ key: fakeKey("CSRF") })),
      post("/api/auth/logout", { origin: "http://127.0.0.1:1" }, ""),
      post("/api/auth/login", { origin: "http://127.0.0.1:1", "content-type": "application/json" }, JSON.stringify({ adminKey: ADMIN_KEY })),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(await response.json()).toEqual({ error: { message: expect.stringMatching(/Origin|Bearer/), type: "invalid_request_error", param: null, code: "cross_site_request" } });
    }
    expect(await tokenNames()).toEqual(names);
    expect(await keyCount()).toBe(keys);
    // The session survived the cross-site logout.
    expect((await fetch(`${server.url}/api/keys`, { headers: { cookie: victim } })).status).toBe(200);
  });

  it("a same-origin cookie POST must send JSON: a text/plain or form body is refused", async () => {
    const names = await tokenNames();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const response = await post("/api/tokens", { origin: server.url, "content-type": type }, JSON.stringify({ name: "csrf-type" }));
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toContain("application/json");
    }
    expect(await tokenNames()).toEqual(names);
  });

  it("the dashboard's own requests get through: same Origin, or Sec-Fetch-Site: same-origin without one", async () => {
    const byOrigin = await post("/api/tokens", pageHeaders(server), JSON.stringify({ name: "page-origin" }));
    expect(byOrigin.status).toBe(201);
    const byFetchSite = await post("/api/tokens", { "sec-fetch-site": "same-origin", "content-type": "application/json; charset=utf-8" }, JSON.stringify({ name: "page-fetch-site" }));
    expect(byFetchSite.status).toBe(201);
    // A form posted by a page whose referrer policy hides it says `Origin: null`; Sec-Fetch-Site still tells.
    const nullOrigin = await post("/api/tokens", { origin: "null", "sec-fetch-site": "same-origin", "content-type": "application/json" }, JSON.stringify({ name: "page-null-origin" }));
    expect(nullOrigin.status).toBe(201);
    expect(await tokenNames()).toEqual(expect.arrayContaining(["page-origin", "page-fetch-site"]));
  });

  it("Bearer callers are not browsers: no Origin, any content type, from anywhere", async () => {
    const response = await fetch(`${server.url}/api/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, origin: "http://elsewhere.example", "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ name: "by-bearer" }),
    });
    expect(response.status).toBe(201);
  });

  it("a cross-site server action (a POST to a page) is refused before Next sees it", async () => {
    for (const headers of [{ origin: "http://127.0.0.1:1" }, {}] as Record<string, string>[]) {
      const response = await fetch(`${server.url}/login`, { method: "POST", headers: { ...headers, "next-action": "0".repeat(42), "content-type": "text/plain" }, body: "[]" });
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe("cross_site_request");
    }
  });

  it("GET changes nothing: every GET route, and logout is not a GET", async () => {
    const names = await tokenNames();
    const keys = await keyCount();
    for (const path of ["/api/auth/logout", "/api/auth/login", "/api/models/sync", "/api/keys/1/check"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { cookie } });
      expect([404, 405]).toContain(response.status);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    const upstreamCalls = upstream.calls.length;
    for (const path of ["/api/keys", "/api/keys/1", "/api/tokens", "/api/models", "/api/stats", "/api/usage", "/api/health", "/", "/keys", "/tokens", "/models", "/stats", "/chat"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { cookie } });
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    expect(upstream.calls.length).toBe(upstreamCalls);
    expect(await tokenNames()).toEqual(names);
    expect(await keyCount()).toBe(keys);
    expect((await fetch(`${server.url}/api/keys`, { headers: { cookie } })).status).toBe(200);
  });
});

describe("pages without a session", () => {
  /** Next answers an RSC request at a URL whose `_rsc` check value it computed itself: follow its redirect once. */
  async function rsc(path: string, headers: Record<string, string>): Promise<Response> {
    const first = await fetch(`${server.url}${path}?_rsc=x`, { headers, redirect: "manual" });
    const location = first.headers.get("location");
    return location?.includes("_rsc") ? fetch(new URL(location, server.url), { headers, redirect: "manual" }) : first;
  }

  it("a dashboard page redirects to /login with no page content", async () => {
    for (const path of ["/", "/keys", "/tokens", "/models", "/stats", "/chat"]) {
      const response = await fetch(`${server.url}${path}`, { redirect: "manual" });
      expect({ path, status: response.status }).toEqual({ path, status: 307 });
      expect(response.headers.get("location")).toMatch(/\/login$/);
      expect(await response.text()).not.toMatch(/KeysView|TokensView|Nav/);
    }
  });

  it("the router's own RSC navigation request, even one that skips the layout, reaches no page content", async () => {
    // A client already showing the overview asks only for the segment below the shared layout.
    const fromOverview = encodeURIComponent(JSON.stringify(["", { children: ["(dashboard)", { children: ["__PAGE__", {}] }] }]));
    const views = { "/keys": "KeysView", "/tokens": "TokensView", "/models": "ModelsView", "/stats": "StatsView", "/chat": "ChatView" };
    for (const [path, view] of Object.entries(views)) {
      for (const headers of [{ rsc: "1" }, { rsc: "1", "next-router-state-tree": fromOverview }] as Record<string, string>[]) {
        const response = await rsc(path, headers);
        const body = await response.text();
        if (response.status === 200) {
          expect(body).toContain("NEXT_REDIRECT;replace;/login");
          expect(body).not.toContain(view);
        } else {
          expect([307, 401]).toContain(response.status);
        }
      }
      // The same request with the session does show the page: the check above is not vacuous.
      const allowed = await rsc(path, { rsc: "1", "next-router-state-tree": fromOverview, cookie });
      expect(await allowed.text()).toContain(view);
    }
  });
});
