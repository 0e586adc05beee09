-- Hand-written: the queue's partial index on open tasks.
--
-- queue.next scans a project's OPEN tasks in id order (from the annotator's QueueCursor, then
-- once more from the start). Indexing only OPEN rows keeps that scan independent of how many
-- tasks are DONE or FLAGGED: as a project fills up, the index shrinks instead of growing.
--
-- Prisma's schema language declares partial indexes only behind the `partialIndexes` preview
-- feature (enabled in schema.prisma, `@@index(..., where: raw(...))`), and the wasm schema
-- engine this repository migrates with cannot generate it, so this file is written by hand. The
-- predicate is spelled as PostgreSQL prints it back (pg_get_expr), so schema and database agree.
-- If a generated migration ever proposes to DROP "Task_open_queue_idx", delete that line.

-- CreateIndex
CREATE INDEX "Task_open_queue_idx" ON "Task"("projectId", "id") WHERE (status = 'OPEN'::"TaskStatus");
