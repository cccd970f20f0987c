import { route } from "@/lib/http/route";
import { json } from "@/lib/http/respond";
import { ApiError, badRequest } from "@/lib/http/errors";
import { addKeys, candidatesFrom, listKeys } from "@/lib/keys/queries";
import { createKeysSchema } from "@/lib/keys/schemas";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async () => json({ data: await listKeys() }));

export const POST = route({ auth: "admin", body: createKeysSchema }, async ({ body }) => {
  const result = await addKeys(candidatesFrom(body), "name" in body ? body.name : undefined);
  if (result.added.length === 0 && "key" in body) {
    if (result.duplicates.length > 0) throw new ApiError(409, "invalid_request_error", "duplicate_key", "This key is already in the pool.", "key");
    throw badRequest("This does not look like an OpenAI key (sk-…).", "key", "malformed_key");
  }
  return json({ data: result.added, added: result.added.length, duplicates: result.duplicates, malformed: result.malformed }, 201);
});
