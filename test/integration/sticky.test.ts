import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { ADMIN_KEY, adminFetch, replacePool, startKeyPool, type KeyPoolServer } from "../helpers/keypool";

// Objects live in the OpenAI project of the key that created them (the fake answers 404 to any
// other key, as OpenAI does): requests naming them must reach that key, across restarts, and get
// a clear error when it cannot serve.

let upstream: FakeOpenAI;
let server: KeyPoolServer;
let client: OpenAI;
let keys: string[];
let ids: number[];

const connect = () => {
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
};

/** Runs `work` and returns the keys of the upstream calls it made. */
async function keysUsed(work: () => Promise<unknown>): Promise<string[]> {
  const before = upstream.calls.length;
  await work();
  return upstream.calls.slice(before).map((call) => call.key);
}

const lastKey = () => upstream.calls.at(-1)?.key as string;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await startKeyPool({ upstreamUrl: upstream.url });
  connect();
  ({ keys, ids } = await replacePool(server, upstream, "ok", "ok", "ok", "ok", "ok"));
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

describe("objects stay with the key that created them", () => {
  let fileId: string;
  let fileKey: string;
  let responseId: string;
  let responseKey: string;

  it("a file is fetched, read and used through the key that uploaded it, every time", async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from("hello sticky"), "notes.txt"), purpose: "assistants" });
    fileId = file.id;
    fileKey = lastKey();
    expect(file.purpose).toBe("assistants");
    const used = await keysUsed(async () => {
      for (let i = 0; i < 6; i += 1) expect((await client.files.retrieve(fileId)).id).toBe(fileId);
      expect(await (await client.files.content(fileId)).text()).toBe("hello sticky");
      // Named in the body: an input_file part.
      await client.responses.create({ model: "gpt-4o-mini", input: [{ role: "user", content: [{ type: "input_file", file_id: fileId }, { type: "input_text", text: "sum up" }] }] });
    });
    expect(used).toHaveLength(8);
    expect(new Set(used)).toEqual(new Set([fileKey]));
  });

  it("a stored response is continued and fetched through its key, JSON and streamed", async () => {
    const first = await client.responses.create({ model: "gpt-4o-mini", input: "hi" });
    responseId = first.id;
    responseKey = lastKey();
    let previous = first.id;
    const used = await keysUsed(async () => {
      for (let i = 0; i < 5; i += 1) {
        const next = await client.responses.create({ model: "gpt-4o-mini", input: "more", previous_response_id: previous });
        expect(next.previous_response_id).toBe(previous);
        previous = next.id;
      }
      expect((await client.responses.retrieve(responseId)).id).toBe(responseId);
    });
    expect(new Set(used)).toEqual(new Set([responseKey]));

    // A streamed response is bound by its response.created event.
    let streamedId = "";
    const stream = await client.responses.create({ model: "gpt-4o-mini", input: "stream it", stream: true });
    for await (const event of stream) if (event.type === "response.created") streamedId = event.response.id;
    const streamKey = lastKey();
    expect(streamedId).toMatch(/^resp_/);
    const continued = await keysUsed(async () => {
      for (let i = 0; i < 5; i += 1) {
        const next = await client.responses.create({ model: "gpt-4o-mini", input: "go on", previous_response_id: streamedId, stream: true });
        let completed = false;
        for await (const event of next) if (event.type === "response.completed") completed = true;
        expect(completed).toBe(true);
      }
    });
    expect(new Set(continued)).toEqual(new Set([streamKey]));
  });

  it("ids KeyPool never saw go through rotation as before", async () => {
    const used = await keysUsed(async () => {
      for (let i = 0; i < 5; i += 1) await expect(client.files.retrieve("file-unknown")).rejects.toMatchObject({ status: 404 });
    });
    expect(new Set(used).size).toBe(5);
  });

  it("the bindings survive a restart on the same data", async () => {
    await server.stop();
    server = await startKeyPool({ upstreamUrl: upstream.url, dataDir: server.dataDir });
    connect();
    const used = await keysUsed(async () => {
      for (let i = 0; i < 4; i += 1) await client.files.retrieve(fileId);
    });
    expect(new Set(used)).toEqual(new Set([fileKey]));
    const continued = await keysUsed(async () => {
      for (let i = 0; i < 4; i += 1) await client.responses.create({ model: "gpt-4o-mini", input: "after restart", previous_response_id: responseId });
    });
    expect(new Set(continued)).toEqual(new Set([responseKey]));
  });

  it("a failing bound key is not swapped for another key that cannot see the object", async () => {
    upstream.behaviors.set(fileKey, "error500");
    try {
      const used = await keysUsed(() => expect(client.files.retrieve(fileId)).rejects.toMatchObject({ status: 500 }));
      expect(used).toEqual([fileKey]);
    } finally {
      upstream.behaviors.set(fileKey, "ok");
    }
  });

  it("a disabled or deleted bound key gets an error naming the object and the key, and no upstream call", async () => {
    const keyId = ids[keys.indexOf(fileKey)] as number;
    expect((await adminFetch(server, `/api/keys/${keyId}`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) })).status).toBe(200);
    const used = await keysUsed(async () => {
      const error = (await client.files.retrieve(fileId).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(503);
      expect(error.code).toBe("bound_key_unavailable");
      expect(error.message).toContain(fileId);
      expect(error.message).toContain(`key #${keyId}`);
      expect(error.message).toContain("is disabled");
      expect(error.message).toContain("Re-enable it");
      // Also when the file is only named in the body.
      await expect(
        client.responses.create({ model: "gpt-4o-mini", input: [{ role: "user", content: [{ type: "input_file", file_id: fileId }] }] }),
      ).rejects.toMatchObject({ status: 503, code: "bound_key_unavailable" });
    });
    expect(used).toEqual([]);

    await adminFetch(server, `/api/keys/${keyId}`, { method: "PUT", body: JSON.stringify({ status: "active" }) });
    expect(await keysUsed(() => client.files.retrieve(fileId))).toEqual([fileKey]);

    const responseKeyId = ids[keys.indexOf(responseKey)] as number;
    expect((await adminFetch(server, `/api/keys/${responseKeyId}`, { method: "DELETE" })).status).toBe(204);
    const gone = await keysUsed(() =>
      expect(client.responses.create({ model: "gpt-4o-mini", input: "x", previous_response_id: responseId })).rejects.toMatchObject({
        status: 410,
        code: "bound_key_deleted",
        message: expect.stringContaining(`${responseId} was created with key #${responseKeyId}, which has been deleted`),
      }),
    );
    expect(gone).toEqual([]);
  });

  it("deleting a file drops its binding", async () => {
    const deleted = await client.files.delete(fileId);
    expect(deleted.deleted).toBe(true);
    // Rotation again: the file is gone for every key.
    const used = await keysUsed(async () => {
      for (let i = 0; i < 4; i += 1) await expect(client.files.retrieve(fileId)).rejects.toMatchObject({ status: 404 });
    });
    expect(new Set(used).size).toBeGreaterThan(1);
  });
});

describe("prompt cache affinity", () => {
  const chat = (cacheKey: string) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], prompt_cache_key: cacheKey }),
    }).then((response) => expect(response.status).toBe(200));

  it("without AFFINITY, the same prompt_cache_key rotates like any request", async () => {
    await replacePool(server, upstream, "ok", "ok", "ok", "ok");
    const used = await keysUsed(async () => {
      for (let i = 0; i < 4; i += 1) await chat("same");
    });
    expect(new Set(used).size).toBe(4);
  });

  it("with AFFINITY=prompt_cache_key, one value keeps its key, distinct values spread, and a failing key falls back to rotation", async () => {
    const affine = await startKeyPool({ upstreamUrl: upstream.url, env: { AFFINITY: "prompt_cache_key" } });
    const previous = server;
    server = affine;
    try {
      const pool = await replacePool(server, upstream, "ok", "ok", "ok", "ok", "ok");
      const byValue = new Map<string, Set<string>>();
      for (let round = 0; round < 3; round += 1) {
        // Seven values over five keys: plain rotation would give a value a different key each round.
        for (let value = 0; value < 7; value += 1) {
          const used = await keysUsed(() => chat(`tenant-${value}`));
          const seen = byValue.get(`tenant-${value}`) ?? new Set<string>();
          for (const key of used) seen.add(key);
          byValue.set(`tenant-${value}`, seen);
        }
      }
      for (const seen of byValue.values()) expect(seen.size).toBe(1);
      const spread = new Set([...byValue.values()].flatMap((seen) => [...seen]));
      expect(spread.size).toBeGreaterThan(1);

      const [preferred] = [...(byValue.get("tenant-0") as Set<string>)];
      upstream.behaviors.set(preferred as string, "error500");
      const used = await keysUsed(() => chat("tenant-0"));
      expect(used[0]).toBe(preferred);
      expect(used).toHaveLength(2);
      expect(pool.keys).toContain(used[1]);
      upstream.behaviors.set(preferred as string, "ok");
    } finally {
      server = previous;
      await affine.stop();
    }
  });
});
