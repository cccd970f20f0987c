import type Database from "better-sqlite3";

export type RollupRow = { hour: string; keyId: number; model: string; tokenId: number; requests: number; errors: number; promptTokens: number; completionTokens: number; latencyMs: number };

/** What the hourly rollups should hold, computed from the raw request log alone. */
export function rollupsFromLog(db: Database.Database): RollupRow[] {
  return db
    .prepare(
      `SELECT strftime('%Y-%m-%dT%H:00:00.000+00:00', createdAt) AS hour, COALESCE(keyId, 0) AS keyId, COALESCE(model, '') AS model,
        COALESCE(tokenId, 0) AS tokenId, COUNT(*) AS requests, SUM(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 ELSE 0 END) AS errors,
        COALESCE(SUM(promptTokens), 0) AS promptTokens, COALESCE(SUM(completionTokens), 0) AS completionTokens, SUM(latencyMs) AS latencyMs
      FROM "RequestLog" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    )
    .all() as RollupRow[];
}

/**
 * The stored rollups, with a key or token deleted since read as none (the log's rows for it hold
 * NULL by then), so they compare with rollupsFromLog.
 */
export function storedRollups(db: Database.Database): RollupRow[] {
  return db
    .prepare(
      `SELECT hour, COALESCE(k.id, 0) AS keyId, model, COALESCE(t.id, 0) AS tokenId, SUM(requests) AS requests, SUM(errors) AS errors,
        SUM(r.promptTokens) AS promptTokens, SUM(r.completionTokens) AS completionTokens, SUM(latencyMs) AS latencyMs
      FROM "UsageRollup" AS r LEFT JOIN "Key" AS k ON k.id = r.keyId LEFT JOIN "AccessToken" AS t ON t.id = r.tokenId
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    )
    .all() as RollupRow[];
}
