import { z } from "zod";

/** A row id in a path: a positive integer SQLite can hold as one. */
export const idParam = z.coerce.number().int().positive().max(2_147_483_647);

/** The `[id]` segment of a route, typed through the route wrapper. */
export const idParams = z.object({ id: idParam });
