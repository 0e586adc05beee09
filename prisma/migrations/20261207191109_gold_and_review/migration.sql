-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('ACCEPT', 'REJECT', 'CORRECT');

-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "isGold" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "GoldTask" (
    "taskId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "expected" JSONB NOT NULL,
    "tolerance" JSONB NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GoldTask_pkey" PRIMARY KEY ("taskId")
);

-- CreateTable
CREATE TABLE "GoldSettings" (
    "projectId" INTEGER NOT NULL,
    "mixRate" DOUBLE PRECISION NOT NULL DEFAULT 0.1,
    "accuracyThreshold" DOUBLE PRECISION NOT NULL DEFAULT 0.8,
    "minGoldAnswers" INTEGER NOT NULL DEFAULT 5,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GoldSettings_pkey" PRIMARY KEY ("projectId")
);

-- CreateTable
CREATE TABLE "GoldResult" (
    "annotationId" INTEGER NOT NULL,
    "taskId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "isCorrect" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GoldResult_pkey" PRIMARY KEY ("annotationId")
);

-- CreateTable
CREATE TABLE "GoldQueueState" (
    "userId" TEXT NOT NULL,
    "projectId" INTEGER NOT NULL,
    "lastGoldAtCursor" INTEGER NOT NULL,

    CONSTRAINT "GoldQueueState_pkey" PRIMARY KEY ("userId","projectId")
);

-- CreateTable
CREATE TABLE "AnnotatorPause" (
    "id" SERIAL NOT NULL,
    "userId" TEXT NOT NULL,
    "projectId" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "goldAnswered" INTEGER NOT NULL,
    "goldCorrect" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "clearedById" TEXT,
    "clearedAt" TIMESTAMP(3),

    CONSTRAINT "AnnotatorPause_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Review" (
    "id" SERIAL NOT NULL,
    "annotationId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "decision" "ReviewDecision" NOT NULL,
    "reason" TEXT,
    "correctedAnswer" JSONB,
    "before" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Review_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GoldTask_projectId_idx" ON "GoldTask"("projectId");

-- CreateIndex
CREATE INDEX "GoldResult_projectId_userId_idx" ON "GoldResult"("projectId", "userId");

-- CreateIndex
CREATE INDEX "AnnotatorPause_projectId_userId_idx" ON "AnnotatorPause"("projectId", "userId");

-- CreateIndex
CREATE INDEX "Review_annotationId_id_idx" ON "Review"("annotationId", "id");

-- CreateIndex
CREATE INDEX "Review_projectId_createdAt_idx" ON "Review"("projectId", "createdAt");

-- ───────── Hand-written: gold tasks and reviews ─────────
-- Foreign keys (the Prisma models carry no relations, so the shared models keep their fields).
ALTER TABLE "GoldTask" ADD CONSTRAINT "GoldTask_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GoldTask" ADD CONSTRAINT "GoldTask_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GoldSettings" ADD CONSTRAINT "GoldSettings_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GoldResult" ADD CONSTRAINT "GoldResult_annotationId_fkey" FOREIGN KEY ("annotationId") REFERENCES "Annotation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AnnotatorPause" ADD CONSTRAINT "AnnotatorPause_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Review" ADD CONSTRAINT "Review_annotationId_fkey" FOREIGN KEY ("annotationId") REFERENCES "Annotation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Review" ADD CONSTRAINT "Review_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- At most one pause in force per annotator and project.
CREATE UNIQUE INDEX "AnnotatorPause_active_key" ON "AnnotatorPause" ("userId", "projectId") WHERE "clearedAt" IS NULL;

-- Whether an answer matches a gold answer within its tolerance. Per question of the expected
-- answer: likert and attribute scores within `score` of the expected ones, a ranking within
-- `ranking` discordant pairs (Kendall distance) of the expected order, pairwise choices and thumbs
-- votes exactly; critique and edit questions are not scored. A missing answer is wrong.
CREATE OR REPLACE FUNCTION feedloop_gold_is_correct(p_expected jsonb, p_answer jsonb, p_tolerance jsonb)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
  v_q text;
  v_e jsonb;
  v_a jsonb;
  v_key text;
  v_attr text;
  v_score_tol integer := coalesce((p_tolerance ->> 'score')::integer, 0);
  v_rank_tol integer := coalesce((p_tolerance ->> 'ranking')::integer, 0);
  v_e_order integer[];
  v_a_order integer[];
  v_discordant integer;
  i integer;
  j integer;
BEGIN
  FOR v_q, v_e IN SELECT key, value FROM jsonb_each(p_expected) LOOP
    v_a := p_answer -> v_q;
    CASE v_e ->> 'type'
      WHEN 'critique', 'edit' THEN CONTINUE;
      WHEN 'likert' THEN
        IF v_a IS NULL THEN RETURN false; END IF;
        FOR v_key IN SELECT jsonb_object_keys(v_e -> 'scores') LOOP
          IF (v_a -> 'scores' -> v_key) IS NULL
            OR abs((v_a -> 'scores' ->> v_key)::integer - (v_e -> 'scores' ->> v_key)::integer) > v_score_tol THEN RETURN false; END IF;
        END LOOP;
      WHEN 'attributes' THEN
        IF v_a IS NULL THEN RETURN false; END IF;
        FOR v_key IN SELECT jsonb_object_keys(v_e -> 'scores') LOOP
          FOR v_attr IN SELECT jsonb_object_keys(v_e -> 'scores' -> v_key) LOOP
            IF (v_a -> 'scores' -> v_key -> v_attr) IS NULL
              OR abs((v_a -> 'scores' -> v_key ->> v_attr)::integer - (v_e -> 'scores' -> v_key ->> v_attr)::integer) > v_score_tol THEN RETURN false; END IF;
          END LOOP;
        END LOOP;
      WHEN 'pairwise' THEN
        IF v_a IS NULL OR (v_a ->> 'choice') IS DISTINCT FROM (v_e ->> 'choice') THEN RETURN false; END IF;
      WHEN 'thumbs' THEN
        IF v_a IS NULL THEN RETURN false; END IF;
        FOR v_key IN SELECT jsonb_object_keys(v_e -> 'votes') LOOP
          IF (v_a -> 'votes' ->> v_key) IS DISTINCT FROM (v_e -> 'votes' ->> v_key) THEN RETURN false; END IF;
        END LOOP;
      WHEN 'ranking' THEN
        IF v_a IS NULL THEN RETURN false; END IF;
        SELECT array_agg(x::integer ORDER BY n) INTO v_e_order FROM jsonb_array_elements_text(v_e -> 'order') WITH ORDINALITY AS o(x, n);
        SELECT array_agg(x::integer ORDER BY n) INTO v_a_order FROM jsonb_array_elements_text(v_a -> 'order') WITH ORDINALITY AS o(x, n);
        IF v_a_order IS NULL OR NOT (v_a_order @> v_e_order) THEN RETURN false; END IF;
        v_discordant := 0;
        FOR i IN 1 .. coalesce(array_length(v_e_order, 1), 0) LOOP
          FOR j IN i + 1 .. coalesce(array_length(v_e_order, 1), 0) LOOP
            IF array_position(v_a_order, v_e_order[i]) > array_position(v_a_order, v_e_order[j]) THEN v_discordant := v_discordant + 1; END IF;
          END LOOP;
        END LOOP;
        IF v_discordant > v_rank_tol THEN RETURN false; END IF;
      ELSE
        RETURN false;
    END CASE;
  END LOOP;
  RETURN true;
END;
$$;

-- Scores a submitted answer to a gold task in the submit's own transaction, and pauses the
-- annotator in the project when their accuracy since their last resume falls below the threshold
-- after the minimum number of gold answers. Costs one primary-key probe for any other task.
CREATE OR REPLACE FUNCTION feedloop_score_gold_answer()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_expected jsonb;
  v_tolerance jsonb;
  v_threshold float8 := 0.8;
  v_minimum integer := 5;
  v_since timestamp(3);
  v_answered integer;
  v_correct integer;
BEGIN
  SELECT g.expected, g.tolerance INTO v_expected, v_tolerance FROM "GoldTask" g WHERE g."taskId" = NEW."taskId";
  IF NOT FOUND THEN RETURN NULL; END IF;
  INSERT INTO "GoldResult" ("annotationId", "taskId", "projectId", "userId", "isCorrect", "createdAt")
    VALUES (NEW.id, NEW."taskId", NEW."projectId", NEW."userId", feedloop_gold_is_correct(v_expected, coalesce(NEW.answer, '{}'::jsonb), v_tolerance), now() AT TIME ZONE 'UTC');
  IF EXISTS (SELECT 1 FROM "AnnotatorPause" p WHERE p."userId" = NEW."userId" AND p."projectId" = NEW."projectId" AND p."clearedAt" IS NULL) THEN RETURN NULL; END IF;
  SELECT s."accuracyThreshold", s."minGoldAnswers" INTO v_threshold, v_minimum FROM "GoldSettings" s WHERE s."projectId" = NEW."projectId";
  IF NOT FOUND THEN v_threshold := 0.8; v_minimum := 5; END IF;
  SELECT max(p."clearedAt") INTO v_since FROM "AnnotatorPause" p WHERE p."userId" = NEW."userId" AND p."projectId" = NEW."projectId";
  SELECT count(*)::integer, (count(*) FILTER (WHERE r."isCorrect"))::integer INTO v_answered, v_correct
    FROM "GoldResult" r WHERE r."projectId" = NEW."projectId" AND r."userId" = NEW."userId" AND (v_since IS NULL OR r."createdAt" > v_since);
  IF v_answered >= greatest(v_minimum, 1) AND v_correct::float8 / v_answered < v_threshold THEN
    INSERT INTO "AnnotatorPause" ("userId", "projectId", reason, "goldAnswered", "goldCorrect", "createdAt")
      VALUES (NEW."userId", NEW."projectId", 'gold-accuracy', v_answered, v_correct, now() AT TIME ZONE 'UTC')
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Annotation_score_gold" AFTER INSERT ON "Annotation"
  FOR EACH ROW WHEN (NEW.status = 'SUBMITTED') EXECUTE FUNCTION feedloop_score_gold_answer();

-- A gold task is answered by every annotator it is served to: its answers are checks, not data,
-- so it never counts them and never leaves OPEN (submit, undo and flag update the row as usual;
-- this keeps those two columns). Unmarking (isGold going false) updates freely.
CREATE OR REPLACE FUNCTION feedloop_keep_gold_task_open()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW."submittedCount" := OLD."submittedCount";
  NEW.status := OLD.status;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Task_keep_gold_open" BEFORE UPDATE ON "Task"
  FOR EACH ROW WHEN (OLD."isGold" AND NEW."isGold") EXECUTE FUNCTION feedloop_keep_gold_task_open();
