-- CreateTable
CREATE TABLE "ObjectBinding" (
    "objectId" TEXT NOT NULL PRIMARY KEY,
    "keyId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "ObjectBinding_kind_createdAt_idx" ON "ObjectBinding"("kind", "createdAt");
