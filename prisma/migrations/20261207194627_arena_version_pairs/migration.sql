-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "arenaVersionIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[];
