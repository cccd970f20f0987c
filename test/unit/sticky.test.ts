import { describe, expect, it } from "vitest";
import { rendezvous } from "@/lib/sticky/affinity";
import { bodyIds, mayNameObjects, createdIds, creates, deletes, leadingId, pathIds, streamedResponseId } from "@/lib/sticky/ids";

describe("what a request creates", () => {
  it("knows the creating POSTs by path and nothing else", () => {
    expect(creates("POST", "files", null)).toEqual([{ field: "id", kind: "file" }]);
    expect(creates("POST", "responses", { model: "gpt-4o" })).toEqual([{ field: "id", kind: "response" }]);
    expect(creates("POST", "threads/runs", {})?.map((entry) => entry.kind)).toEqual(["run", "thread"]);
    expect(creates("POST", "chat/completions", {})).toBeNull();
    expect(creates("POST", "embeddings", {})).toBeNull();
    expect(creates("GET", "files", null)).toBeNull();
    expect(creates("PUT", "files", null)).toBeNull();
  });

  it("binds nothing for a response that is not stored", () => {
    expect(creates("POST", "responses", { store: false })).toBeNull();
  });

  it("knows the files an upload, a batch and a fine-tuning job leave behind", () => {
    expect(creates("POST", "uploads/upload_1/complete", null)).toEqual([{ field: "file.id", kind: "file" }]);
    expect(creates("GET", "batches/batch_1", null)?.map((entry) => entry.field)).toEqual(["output_file_id", "error_file_id"]);
    expect(creates("GET", "fine_tuning/jobs/ftjob-1", null)).toEqual([{ field: "result_files", kind: "file" }]);
  });

  it("reads the ids from the answer, nested and in arrays", () => {
    expect(createdIds([{ field: "id", kind: "run" }, { field: "thread_id", kind: "thread" }], { id: "run_1", thread_id: "thread_1" })).toEqual([
      { id: "run_1", kind: "run" },
      { id: "thread_1", kind: "thread" },
    ]);
    expect(createdIds([{ field: "file.id", kind: "file" }], { id: "upload_1", file: { id: "file-9" } })).toEqual([{ id: "file-9", kind: "file" }]);
    expect(createdIds([{ field: "result_files", kind: "file" }], { result_files: ["file-a", 3, "file-b"] })).toEqual([
      { id: "file-a", kind: "file" },
      { id: "file-b", kind: "file" },
    ]);
    expect(createdIds([{ field: "output_file_id", kind: "file" }], { output_file_id: null })).toEqual([]);
  });

  it("knows a DELETE of one object", () => {
    expect(deletes("DELETE", "files/file-1")).toBe("file-1");
    expect(deletes("DELETE", "vector_stores/vs_1/files/file-1")).toBeNull();
    expect(deletes("GET", "files/file-1")).toBeNull();
  });
});

describe("ids in answers seen in part", () => {
  it("takes the leading id of a JSON answer", () => {
    expect(leadingId('{\n  "id": "resp_123",\n  "object": "response", "output": [')).toBe("resp_123");
    expect(leadingId('{"object": "list", "id": "x"}')).toBeNull();
  });

  it("finds the response id in a stream's response.created event, whatever comes after", () => {
    const created = `event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_abc","object":"response","status":"in_progress"}}\n\n`;
    expect(streamedResponseId(`${created}event: response.in_progress\ndata: {"type":"resp`)).toBe("resp_abc");
    expect(streamedResponseId(created.replaceAll("\n", "\r\n"))).toBe("resp_abc");
    // Cut inside the event (a huge one): its leading id is enough.
    expect(streamedResponseId(created.slice(0, created.indexOf('"object"')))).toBe("resp_abc");
    expect(streamedResponseId(`data: {"type":"response.output_text.delta","delta":"response.created"}\n\n`)).toBeNull();
  });
});

describe("ids a request names", () => {
  it("takes the path segments after the resource", () => {
    expect(pathIds("files/file-1/content")).toEqual(["file-1", "content"]);
    expect(pathIds("threads/thread_1/runs/run_1")).toEqual(["thread_1", "runs", "run_1"]);
    expect(pathIds("chat/completions")).toEqual(["completions"]);
  });

  it("finds ids at any depth of the body", () => {
    const body = {
      model: "gpt-4o",
      previous_response_id: "resp_1",
      conversation: { id: "conv_1" },
      input: [{ role: "user", content: [{ type: "input_file", file_id: "file-1" }, { type: "input_text", text: "file-not-an-id" }] }],
      tools: [{ type: "file_search", vector_store_ids: ["vs_1", "vs_2"] }],
      tool_resources: { code_interpreter: { file_ids: ["file-2"] } },
      attachments: [{ file_id: "file-3", tools: [] }],
      training_file: "file-4",
      thread_id: "thread_1",
    };
    expect(bodyIds(body).sort()).toEqual(["conv_1", "file-1", "file-2", "file-3", "file-4", "resp_1", "thread_1", "vs_1", "vs_2"]);
    expect(bodyIds({ conversation: "conv_2", input_file_id: "file-5" }).sort()).toEqual(["conv_2", "file-5"]);
    // The raw text is scanned first: a body without such a field is not walked at all.
    expect(mayNameObjects(JSON.stringify(body))).toBe(true);
    expect(mayNameObjects(JSON.stringify({ conversation: "conv_2" }))).toBe(true);
    expect(mayNameObjects(JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "what is a file_id?" }] }))).toBe(false);
  });

  it("bounds the walk: deep nesting and huge arrays are not followed to the end", () => {
    let deep: Record<string, unknown> = { file_id: "file-deep" };
    for (let level = 0; level < 20; level += 1) deep = { nested: deep };
    expect(bodyIds(deep)).toEqual([]);
    const messages = Array.from({ length: 10_000 }, () => ({ role: "user", content: "hi" }));
    expect(bodyIds({ messages: [...messages, { file_id: "file-late" }] })).toEqual([]);
    expect(bodyIds({ file_id: "file-early", messages })).toEqual(["file-early"]);
  });
});

describe("rendezvous", () => {
  const ids = [1, 2, 3, 4, 5];

  it("gives a value the same id every time", () => {
    const first = rendezvous("user-42", ids);
    for (let i = 0; i < 10; i += 1) expect(rendezvous("user-42", ids)).toBe(first);
    expect(rendezvous("x", [])).toBeNull();
  });

  it("spreads distinct values evenly", () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 5000; i += 1) {
      const id = rendezvous(`cache-key-${i}`, ids) as number;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(ids);
    for (const count of counts.values()) expect(count).toBeGreaterThan(800);
  });

  it("moves only the values whose key went away, and none when one is added they do not win", () => {
    const values = Array.from({ length: 1000 }, (_, i) => `v${i}`);
    const before = values.map((value) => rendezvous(value, ids));
    const without3 = values.map((value) => rendezvous(value, [1, 2, 4, 5]));
    values.forEach((_, i) => {
      if (before[i] !== 3) expect(without3[i]).toBe(before[i]);
    });
    const with6 = values.map((value) => rendezvous(value, [...ids, 6]));
    values.forEach((_, i) => {
      if (with6[i] !== 6) expect(with6[i]).toBe(before[i]);
    });
  });
});
