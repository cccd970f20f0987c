import { bind, unbind } from "./bindings";
import { createdIds, creates, deletes, leadingId, streamedResponseId, type Created } from "./ids";

/** What is kept of an answer to find its ids: the answers of creating requests are small; a larger one is read for its leading id. */
const HEAD_BYTES = 64 * 1024;

/**
 * Watches a successful answer to a request that creates or deletes an object, and binds the
 * object to the key that answered (or drops the binding). Requests that do neither get none, so
 * chat completions pass untouched.
 */
export class ObjectCapture {
  private head: Buffer[] = [];
  private headBytes = 0;
  private total = 0;
  private done = false;

  private constructor(
    private readonly keyId: number,
    private readonly created: readonly Created[] | null,
    private readonly deleted: string | null,
    private readonly streamed: boolean,
  ) {}

  static for(method: string, path: string, body: Record<string, unknown> | null, keyId: number, streamed: boolean): ObjectCapture | null {
    const deleted = deletes(method, path);
    if (deleted) return new ObjectCapture(keyId, null, deleted, streamed);
    const created = creates(method, path, body);
    return created ? new ObjectCapture(keyId, created, null, streamed) : null;
  }

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.done || !this.created || this.headBytes >= HEAD_BYTES) return;
    const part = chunk.subarray(0, HEAD_BYTES - this.headBytes);
    this.head.push(part);
    this.headBytes += part.length;
    // A stream's object exists from its first event on: bound at once, not when the stream ends.
    if (this.streamed) this.bindStreamed(this.headBytes >= HEAD_BYTES);
  }

  /** The answer arrived whole. */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.deleted) unbind(this.deleted);
    if (!this.created) return;
    if (this.streamed) {
      this.bindStreamed(true);
      return;
    }
    const text = this.text();
    for (const { id, kind } of this.total <= HEAD_BYTES ? idsOfJson(this.created, text) : leading(this.created, text)) bind(id, this.keyId, kind);
  }

  private bindStreamed(final: boolean): void {
    const text = this.text();
    const id = text.includes("\n\n") || final ? streamedResponseId(text) : null;
    const kind = this.created?.[0]?.kind;
    if (id && kind) bind(id, this.keyId, kind);
    if (id || final) this.release();
  }

  private text(): string {
    return Buffer.concat(this.head, this.headBytes).toString("utf8");
  }

  private release(): void {
    this.done = true;
    this.head = [];
  }
}

function idsOfJson(created: readonly Created[], text: string): { id: string; kind: string }[] {
  try {
    return createdIds(created, JSON.parse(text) as unknown);
  } catch {
    return [];
  }
}

function leading(created: readonly Created[], text: string): { id: string; kind: string }[] {
  const top = created.find((entry) => entry.field === "id");
  const id = top ? leadingId(text) : null;
  return top && id ? [{ id, kind: top.kind }] : [];
}
