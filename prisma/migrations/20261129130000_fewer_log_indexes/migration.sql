-- Statistics come from UsageRollup now; the status filter of the request log ("error" is
-- status >= 400 OR error IS NOT NULL) cannot use this index, and every row paid to maintain it.
DROP INDEX IF EXISTS "RequestLog_status_createdAt_idx";
