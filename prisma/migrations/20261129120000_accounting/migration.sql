-- Cost of each request, and the token counts it is priced from
ALTER TABLE "RequestLog" ADD COLUMN "cachedTokens" INTEGER;
ALTER TABLE "RequestLog" ADD COLUMN "reasoningTokens" INTEGER;
ALTER TABLE "RequestLog" ADD COLUMN "costUsd" REAL;
ALTER TABLE "UsageRollup" ADD COLUMN "costUsd" REAL NOT NULL DEFAULT 0;
ALTER TABLE "UsageRollup" ADD COLUMN "unpriced" INTEGER NOT NULL DEFAULT 0;
-- Rows stored before prices were known used tokens without a price
UPDATE "UsageRollup" SET "unpriced" = "requests" WHERE "promptTokens" > 0 OR "completionTokens" > 0;

-- Per-model price overrides (USD per million tokens)
ALTER TABLE "Model" ADD COLUMN "inputPrice" REAL;
ALTER TABLE "Model" ADD COLUMN "cachedInputPrice" REAL;
ALTER TABLE "Model" ADD COLUMN "outputPrice" REAL;

-- Client-token limits
ALTER TABLE "AccessToken" ADD COLUMN "rpm" INTEGER;
ALTER TABLE "AccessToken" ADD COLUMN "tpm" INTEGER;
ALTER TABLE "AccessToken" ADD COLUMN "models" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "AccessToken" ADD COLUMN "expiresAt" DATETIME;
ALTER TABLE "AccessToken" ADD COLUMN "monthlyBudgetUsd" REAL;
ALTER TABLE "AccessToken" ADD COLUMN "maxConcurrent" INTEGER;

-- Per-key caps
ALTER TABLE "Key" ADD COLUMN "rpm" INTEGER;
ALTER TABLE "Key" ADD COLUMN "dailyBudgetUsd" REAL;
