-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "requestId" TEXT;
ALTER TABLE "RequestLog" ADD COLUMN "upstreamRequestId" TEXT;

-- CreateIndex
CREATE INDEX "RequestLog_requestId_idx" ON "RequestLog"("requestId");

