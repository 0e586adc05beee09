-- AlterTable
ALTER TABLE "Completion" ADD COLUMN     "modelVersionId" INTEGER;

-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "arenaId" INTEGER;

-- CreateTable
CREATE TABLE "Arena" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "versionIds" INTEGER[],
    "settings" JSONB NOT NULL,
    "jobId" INTEGER,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Arena_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Arena_jobId_key" ON "Arena"("jobId");

-- CreateIndex
CREATE INDEX "Arena_projectId_createdAt_idx" ON "Arena"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "Task_arenaId_idx" ON "Task"("arenaId");

-- AddForeignKey
ALTER TABLE "Completion" ADD CONSTRAINT "Completion_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_arenaId_fkey" FOREIGN KEY ("arenaId") REFERENCES "Arena"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Arena" ADD CONSTRAINT "Arena_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
