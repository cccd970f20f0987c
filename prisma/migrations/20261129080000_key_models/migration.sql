-- AlterTable
ALTER TABLE "Key" ADD COLUMN "modelsSyncedAt" DATETIME;
ALTER TABLE "Key" ADD COLUMN "refusals" TEXT NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "KeyModel" (
    "keyId" INTEGER NOT NULL,
    "model" TEXT NOT NULL,

    PRIMARY KEY ("keyId", "model"),
    CONSTRAINT "KeyModel_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "Key" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "KeyModel_model_idx" ON "KeyModel"("model");
