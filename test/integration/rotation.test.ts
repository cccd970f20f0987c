import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, addKeys, adminFetch, fakeKey, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

let upstream: FakeOpenAI;
let server: KeyPoolServer;
const [A, B, C] = [fakeKey("A"), fakeKey("B"), fakeKey("C")];

const clientFor = (target: KeyPoolServer) => new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${target.url}/v1`, maxRetries: 0 });
const chat = (target: KeyPoolServer) => clientFor(target).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
const keysSeen = (from: number) => upstream.calls.slice(from).map((call) => call.key);

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
  await addKeys(server, [A, B, C]);
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

describe("rotation (SPEC §5)", () => {
  it("hands out keys in id order, round robin", async () => {
    const before = upstream.calls.length;
    for (let i = 0; i < 4; i += 1) await chat(server);
    expect(keysSeen(before)).toEqual([A, B, C, A]);
  });

  it("goes on where it stopped after a restart", async () => {
    expect(await server.stop()).toBe(0);
    server = await startKeyPool({ upstreamUrl: upstream.url, dataDir: server.dataDir });
    const before = upstream.calls.length;
    for (let i = 0; i < 3; i += 1) await chat(server);
    expect(keysSeen(before)).toEqual([B, C, A]);
  });

  it("skips disabled keys and takes them back when re-enabled", async () => {
    const keys = (await (await adminFetch(server, "/api/keys")).json()).data as { id: number }[];
    const idB = keys[1]?.id;
    await adminFetch(server, `/api/keys/${idB}`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) });
    const before = upstream.calls.length;
    for (let i = 0; i < 3; i += 1) await chat(server);
    expect(keysSeen(before)).toEqual([C, A, C]);
    await adminFetch(server, `/api/keys/${idB}`, { method: "PUT", body: JSON.stringify({ status: "active" }) });
    const after = upstream.calls.length;
    for (let i = 0; i < 3; i += 1) await chat(server);
    expect(keysSeen(after)).toEqual([A, B, C]);
  });

  it("gives every key its fair share under concurrent requests", async () => {
    const before = upstream.calls.length;
    await Promise.all(Array.from({ length: 30 }, () => chat(server)));
    const counts = new Map<string, number>();
    for (const key of keysSeen(before)) counts.set(key, (counts.get(key) ?? 0) + 1);
    expect([...counts.values()]).toEqual([10, 10, 10]);
  });
});
