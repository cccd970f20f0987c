-- CreateTable
CREATE TABLE "UsageRollup" (
    "hour" DATETIME NOT NULL,
    "keyId" INTEGER NOT NULL DEFAULT 0,
    "model" TEXT NOT NULL DEFAULT '',
    "tokenId" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "latencyMs" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("hour", "keyId", "model", "tokenId")
);

-- Backfill: the rows already stored, so an upgraded install keeps its history. The same grouping
-- and error rule as lib/usage/write-batch.ts; times in the stored form ("…T13:00:00.000+00:00").
INSERT INTO "UsageRollup" ("hour", "keyId", "model", "tokenId", "requests", "errors", "promptTokens", "completionTokens", "latencyMs")
SELECT
    strftime('%Y-%m-%dT%H:00:00.000+00:00', "createdAt"),
    COALESCE("keyId", 0),
    COALESCE("model", ''),
    COALESCE("tokenId", 0),
    COUNT(*),
    SUM(CASE WHEN "status" >= 400 OR "error" IS NOT NULL THEN 1 ELSE 0 END),
    COALESCE(SUM("promptTokens"), 0),
    COALESCE(SUM("completionTokens"), 0),
    COALESCE(SUM("latencyMs"), 0)
FROM "RequestLog"
GROUP BY 1, 2, 3, 4;
