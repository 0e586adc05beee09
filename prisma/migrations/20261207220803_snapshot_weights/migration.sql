-- AlterTable
ALTER TABLE "SnapshotAnnotation" ADD COLUMN     "weight" DOUBLE PRECISION;
