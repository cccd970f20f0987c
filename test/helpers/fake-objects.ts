import type http from "node:http";

// OpenAI's objects as the fake upstream keeps them: every key is its own project, so an object
// created with one key is "not found" with any other, as real OpenAI answers.

/** Which key created each object the fake holds, and its body. */
export type FakeObjects = { owners: Map<string, string>; files: Map<string, { object: Record<string, unknown>; content: string }>; responses: Map<string, Record<string, unknown>> };

export function createFakeObjects(): FakeObjects {
  return { owners: new Map(), files: new Map(), responses: new Map() };
}

type Request = { key: string; method: string; path: string; body: Record<string, unknown>; raw: string };

let counter = 0;
const newId = (prefix: string) => `${prefix}${Date.now().toString(16)}${(counter += 1).toString(16).padStart(6, "0")}`;
const now = () => Math.floor(Date.now() / 1000);

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_${newId("")}` });
  res.end(JSON.stringify(body));
}

const notFound = (res: http.ServerResponse, message: string, param: string | null, code: string | null) =>
  json(res, 404, { error: { message, type: "invalid_request_error", param, code } });

/** Answers the object endpoints the fake knows; false for every other request. */
export function handleObjects(objects: FakeObjects, request: Request, res: http.ServerResponse): boolean {
  const { key, method, path } = request;
  const owned = (id: string) => objects.owners.get(id) === key;
  if (method === "POST" && path === "/v1/files") {
    createFile(objects, request, res);
    return true;
  }
  const file = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
  if (file) {
    const id = file[1] as string;
    const stored = objects.files.get(id);
    if (!stored || !owned(id)) {
      notFound(res, `No such File object: ${id}`, "id", null);
    } else if (method === "DELETE") {
      objects.files.delete(id);
      objects.owners.delete(id);
      json(res, 200, { id, object: "file", deleted: true });
    } else if (file[2]) {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(stored.content);
    } else {
      json(res, 200, stored.object);
    }
    return true;
  }
  if (method === "POST" && path === "/v1/responses") {
    createResponse(objects, request, res);
    return true;
  }
  const response = /^\/v1\/responses\/([^/]+)$/.exec(path);
  if (response && method === "GET") {
    const id = response[1] as string;
    const stored = objects.responses.get(id);
    if (!stored || !owned(id)) notFound(res, `Response with id '${id}' not found.`, null, null);
    else json(res, 200, stored);
    return true;
  }
  return false;
}

/** Only what a multipart upload from the SDK needs: the purpose field and the file part. */
function createFile(objects: FakeObjects, { key, raw }: Request, res: http.ServerResponse): void {
  const purpose = /name="purpose"\r\n\r\n([^\r]*)/.exec(raw)?.[1] ?? "";
  const part = /filename="([^"]*)"[^]*?\r\n\r\n([^]*?)\r\n--/.exec(raw);
  const id = newId("file-");
  const content = part?.[2] ?? "";
  const object = { object: "file", id, purpose, filename: part?.[1] ?? "upload", bytes: Buffer.byteLength(content), created_at: now(), expires_at: null, status: "processed", status_details: null };
  objects.files.set(id, { object, content });
  objects.owners.set(id, key);
  json(res, 200, object);
}

function createResponse(objects: FakeObjects, { key, body }: Request, res: http.ServerResponse): void {
  const previous = typeof body.previous_response_id === "string" ? body.previous_response_id : null;
  if (previous !== null && objects.owners.get(previous) !== key) {
    notFound(res, `Previous response with id '${previous}' not found.`, "previous_response_id", "previous_response_not_found");
    return;
  }
  const id = newId("resp_");
  const text = `Hello from key …${key.slice(-4)}`;
  const base = {
    id, object: "response", created_at: now(), status: "in_progress", error: null, incomplete_details: null, instructions: null,
    model: body.model, output: [] as unknown[], parallel_tool_calls: true, previous_response_id: previous, store: body.store !== false,
    temperature: 1, text: { format: { type: "text" } }, tool_choice: "auto", tools: [], top_p: 1, truncation: "disabled", usage: null, metadata: {},
  };
  const message = { id: newId("msg_"), type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] };
  const done = { ...base, status: "completed", output: [message], usage: { input_tokens: 9, output_tokens: 5, total_tokens: 14, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } };
  if (body.store !== false) {
    objects.responses.set(id, done);
    objects.owners.set(id, key);
  }
  if (body.stream !== true) {
    json(res, 200, done);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-request-id": `req_${newId("")}` });
  const events = [
    { type: "response.created", response: base },
    { type: "response.in_progress", response: base },
    { type: "response.output_item.added", output_index: 0, item: { ...message, status: "in_progress", content: [] } },
    { type: "response.output_text.delta", item_id: message.id, output_index: 0, content_index: 0, delta: text },
    { type: "response.output_text.done", item_id: message.id, output_index: 0, content_index: 0, text },
    { type: "response.output_item.done", output_index: 0, item: message },
    { type: "response.completed", response: done },
  ];
  for (const [index, { type, ...rest }] of events.entries()) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: index, ...rest })}\n\n`);
  res.end();
}
