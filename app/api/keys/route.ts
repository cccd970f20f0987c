import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { addKeys, candidatesFrom, listKeys } from "@/lib/keys/queries";
import { createKeysSchema } from "@/lib/keys/schemas";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async () => json({ data: await listKeys() }));

export const POST = route({ auth: "admin", body: createKeysSchema }, async ({ body }) => {
  const result = await addKeys(candidatesFrom(body), "name" in body ? body.name : undefined);
  if (result.added.length === 0 && "key" in body) {
    const reason = result.duplicates.length > 0 ? "This key is already in the pool." : "This does not look like an OpenAI key (sk-…).";
    return json({ error: { message: reason, type: "invalid_request_error", param: "key", code: result.duplicates.length > 0 ? "duplicate_key" : "malformed_key" } }, result.duplicates.length > 0 ? 409 : 400);
  }
  return json({ data: result.added, added: result.added.length, duplicates: result.duplicates, malformed: result.malformed }, 201);
});
