// Which object ids a /v1 request names, and which ids its successful answer creates. Pure: the
// binding store and the relay decide what to do with them.

/** An id the answer creates, found at `field` (dotted; a string or an array of strings), and what it is. */
export type Created = { field: string; kind: string };

const id = (kind: string): Created[] => [{ field: "id", kind }];

// POSTs that create an object owned by the key's project, by exact path below /v1.
const CREATING_POSTS = new Map<string, Created[]>([
  ["responses", id("response")],
  ["files", id("file")],
  ["uploads", id("upload")],
  ["batches", id("batch")],
  ["vector_stores", id("vector_store")],
  ["assistants", id("assistant")],
  ["threads", id("thread")],
  // Creates a thread and a run on it at once.
  ["threads/runs", [...id("run"), { field: "thread_id", kind: "thread" }]],
  ["fine_tuning/jobs", id("fine_tuning_job")],
  ["containers", id("container")],
  ["conversations", id("conversation")],
  ["evals", id("eval")],
  ["videos", id("video")],
]);

// Answers below an object's path that name files the upstream made for it (a batch's output, a
// finished upload's file, a fine-tuning job's results): those files live in the same project.
const DERIVED: { method: string; path: RegExp; created: Created[] }[] = [
  { method: "POST", path: /^uploads\/[^/]+\/complete$/, created: [{ field: "file.id", kind: "file" }] },
  { method: "GET", path: /^batches\/[^/]+$/, created: [{ field: "output_file_id", kind: "file" }, { field: "error_file_id", kind: "file" }] },
  { method: "GET", path: /^fine_tuning\/jobs\/[^/]+$/, created: [{ field: "result_files", kind: "file" }] },
];

/**
 * What a successful answer to this request creates, or null (chat completions and every other
 * request that creates nothing: one map lookup). A response stored with `store: false` is not kept
 * upstream, so nothing is bound.
 */
export function creates(method: string, path: string, body: Record<string, unknown> | null): Created[] | null {
  if (method === "POST") {
    const created = CREATING_POSTS.get(path);
    if (created) return path === "responses" && body?.store === false ? null : created;
  } else if (method !== "GET") {
    return null;
  }
  for (const rule of DERIVED) if (rule.method === method && rule.path.test(path)) return rule.created;
  return null;
}

/** The object a DELETE of `resource/{id}` removes (its binding can go once the upstream agrees). */
export function deletes(method: string, path: string): string | null {
  if (method !== "DELETE") return null;
  return /^[a-z_]+\/([^/]+)$/.exec(path)?.[1] ?? null;
}

/** Ids found in an answer, paired with their kind. */
export function createdIds(created: readonly Created[], answer: unknown): { id: string; kind: string }[] {
  const found: { id: string; kind: string }[] = [];
  for (const { field, kind } of created) {
    let value: unknown = answer;
    for (const part of field.split(".")) value = isObject(value) ? value[part] : undefined;
    const values = Array.isArray(value) ? value.slice(0, MAX_IDS_PER_FIELD) : [value];
    for (const item of values) if (typeof item === "string" && item !== "") found.push({ id: item, kind });
  }
  return found;
}

/**
 * The top-level id of a JSON answer seen only in part. OpenAI writes `id` first in every object it
 * returns, so its start is enough when the whole answer is too large to keep.
 */
export function leadingId(head: string): string | null {
  return /^\s*\{\s*"id"\s*:\s*"([^"\\]+)"/.exec(head)?.[1] ?? null;
}

/**
 * The response id of a Responses API stream, from its start: the `response.created` event's
 * `response.id`. `head` may end inside an event; only whole events are parsed, and an event cut
 * at the limit is read for its leading id.
 */
export function streamedResponseId(head: string): string | null {
  for (const event of head.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trimStart())
      .join("\n");
    if (!data.includes('"response.created"')) continue;
    try {
      const parsed = JSON.parse(data) as unknown;
      if (isObject(parsed) && parsed.type === "response.created" && isObject(parsed.response) && typeof parsed.response.id === "string") return parsed.response.id;
    } catch {
      return /"response"\s*:\s*\{\s*"id"\s*:\s*"([^"\\]+)"/.exec(data)?.[1] ?? null;
    }
  }
  return null;
}

/** Path segments after the resource name: `files/file-abc/content` → ["file-abc", "content"]. */
export function pathIds(path: string): string[] {
  return path.split("/", MAX_PATH_SEGMENTS).slice(1);
}

// Body fields that name objects, at any depth: `tools[].vector_store_ids`,
// `tool_resources.file_search.vector_store_ids`, `attachments[].file_id`, input parts' `file_id` …
const ID_FIELDS = new Set([
  "previous_response_id", "response_id", "file_id", "file_ids", "input_file_id", "training_file", "validation_file",
  "thread_id", "assistant_id", "vector_store_id", "vector_store_ids", "conversation", "container", "container_id", "upload_id",
]);
/** One scan of the raw body: most requests (a chat) name no such field, and skip the walk. */
const ID_FIELD_IN_TEXT = new RegExp(`"(?:${[...ID_FIELDS].join("|")})"`);
const MAX_PATH_SEGMENTS = 8;
/** The walk stops this deep and after this many objects and arrays: a long chat costs a bounded look. */
const MAX_DEPTH = 8;
const MAX_NODES = 2000;
const MAX_IDS_PER_FIELD = 100;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether the body's text has a field that may name an object (a key in ID_FIELDS, quoted). */
export function mayNameObjects(text: string): boolean {
  return ID_FIELD_IN_TEXT.test(text);
}

/** Ids the JSON body names in ID_FIELDS: a string, an array of strings, or an object's `id` (`conversation: {id}`). */
export function bodyIds(body: Record<string, unknown>): string[] {
  const found: string[] = [];
  let budget = MAX_NODES;
  const collect = (value: unknown) => {
    if (typeof value === "string") found.push(value);
    else if (Array.isArray(value)) found.push(...value.slice(0, MAX_IDS_PER_FIELD).filter((item): item is string => typeof item === "string"));
    else if (isObject(value) && typeof value.id === "string") found.push(value.id);
  };
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH || budget <= 0) return;
    budget -= 1;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (budget <= 0) return;
        visit(item, depth + 1);
      }
      return;
    }
    const record = value as Record<string, unknown>;
    for (const field in record) {
      if (ID_FIELDS.has(field)) collect(record[field]);
      visit(record[field], depth + 1);
    }
  };
  visit(body, 0);
  return found;
}
