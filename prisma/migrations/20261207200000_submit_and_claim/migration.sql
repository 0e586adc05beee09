-- Hand-written: a rating and the next lease in one transaction and one round trip.
--
-- 1. feedloop_submit_answer: the submit statement that server/services/submit-annotation.ts ran
--    as one CTE (lock the task, insert the annotation only while the task is OPEN, below its
--    overlap and leased by the submitter, count it, release the lease, store edited texts),
--    unchanged, now a function so that (2) can run it. Returns the new annotation, or no row when
--    nothing was inserted (a copy of the request got there first, or the task has no room).
--
-- 2. feedloop_submit_and_claim: (1), then, only when it inserted, one attempt of
--    feedloop_claim_task (SKIP LOCKED only, never waiting for a row lock while this transaction
--    holds the submitted task's row). PL/pgSQL runs the claim with a new snapshot, after the
--    insert and the lease release, exactly as a separate queue.next would. One commit instead of
--    two, one round trip instead of two. The annotator's advisory lock is only tried: if another
--    request of the same annotator holds it (two tabs), the outcome is 'busy' and the caller
--    claims after this commit, as before; so no request of one annotator waits on another here.
--    Any outcome but 'task' leaves the claim to the caller's usual loop.
--
-- 3. Task keeps free space on each page (fillfactor 85): a submit's count update then stays on
--    the page (a HOT update) instead of adding an entry to every index of "Task".

CREATE OR REPLACE FUNCTION feedloop_submit_answer(
  p_client_id text,
  p_task_id integer,
  p_project_id integer,
  p_user_id text,
  p_answer jsonb,
  p_time_spent integer,
  p_edit_texts text[]
)
RETURNS TABLE (annotation_id integer, created_at timestamp(3))
LANGUAGE plpgsql
VOLATILE
AS $$
#variable_conflict use_column
DECLARE
  v_id integer;
  v_created timestamp(3);
BEGIN
  WITH t AS (
    SELECT t.id, t."promptId", t."submittedCount", t.status, p.overlap,
      (SELECT l."expiresAt" FROM "Assignment" l WHERE l."taskId" = t.id AND l."userId" = p_user_id) AS "leaseExpiresAt"
    FROM "Task" t JOIN "Project" p ON p.id = t."projectId"
    WHERE t.id = p_task_id
    FOR UPDATE OF t
  ),
  ins AS (
    INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
    SELECT p_client_id, t.id, p_project_id, p_user_id, 'SUBMITTED', p_answer, p_time_spent, now() AT TIME ZONE 'UTC'
    FROM t WHERE t.status = 'OPEN' AND t."submittedCount" < t.overlap
      -- My lease: unexpired, or expired while the task still has room. The room is counted
      -- only in that rare case, after the row lock, with a fresh snapshot (feedloop_other_leases).
      AND CASE
        WHEN t."leaseExpiresAt" IS NULL THEN false
        WHEN t."leaseExpiresAt" > now() AT TIME ZONE 'UTC' THEN true
        ELSE t."submittedCount" + feedloop_other_leases(t.id, p_user_id) < t.overlap
      END
    ON CONFLICT ("clientId") DO NOTHING
    RETURNING id, "createdAt"
  ),
  counted AS (
    UPDATE "Task" SET
      "submittedCount" = "Task"."submittedCount" + 1,
      status = CASE WHEN "Task"."submittedCount" + 1 >= t.overlap THEN 'DONE'::"TaskStatus" ELSE "Task".status END,
      "updatedAt" = now() AT TIME ZONE 'UTC'
    FROM t
    WHERE "Task".id = t.id AND EXISTS (SELECT 1 FROM ins)
  ),
  released AS (
    DELETE FROM "Assignment" WHERE "taskId" = p_task_id AND "userId" = p_user_id AND EXISTS (SELECT 1 FROM ins)
  ),
  edits AS (
    INSERT INTO "Completion" ("promptId", text, source, "annotationId", "createdAt")
    SELECT t."promptId", e.text, 'HUMAN_EDIT', ins.id, now() AT TIME ZONE 'UTC'
    FROM ins, t, unnest(p_edit_texts) AS e(text)
  )
  SELECT ins.id, ins."createdAt" INTO v_id, v_created FROM ins;
  -- Not RETURN QUERY over the statement: measured, PL/pgSQL then planned it on every call.
  IF v_id IS NOT NULL THEN
    RETURN QUERY SELECT v_id, v_created;
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION feedloop_submit_and_claim(
  p_client_id text,
  p_task_id integer,
  p_project_id integer,
  p_user_id text,
  p_answer jsonb,
  p_time_spent integer,
  p_edit_texts text[],
  p_excluded integer[],
  p_max_leases integer,
  p_limit integer
)
RETURNS TABLE (annotation_id integer, created_at timestamp(3), outcome text, task_id integer, lease_expires_at timestamp(3), candidate_ids integer[], active_leases integer)
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
  v_id integer;
  v_created timestamp(3);
BEGIN
  SELECT s.annotation_id, s.created_at INTO v_id, v_created
    FROM feedloop_submit_answer(p_client_id, p_task_id, p_project_id, p_user_id, p_answer, p_time_spent, p_edit_texts) s;
  IF v_id IS NULL THEN
    RETURN QUERY SELECT NULL::integer, NULL::timestamp(3), NULL::text, NULL::integer, NULL::timestamp(3), NULL::integer[], NULL::integer;
    RETURN;
  END IF;
  -- The same key as feedloop_claim_task's lock (which then re-enters it within this transaction).
  IF NOT pg_try_advisory_xact_lock((hashtext(p_user_id)::bigint << 32) | p_project_id::bigint) THEN
    RETURN QUERY SELECT v_id, v_created, 'busy'::text, NULL::integer, NULL::timestamp(3), NULL::integer[], NULL::integer;
    RETURN;
  END IF;
  RETURN QUERY SELECT v_id, v_created, c.outcome, c.task_id, c.lease_expires_at, c.candidate_ids, c.active_leases
    FROM feedloop_claim_task(p_user_id, p_project_id, p_excluded, p_max_leases, p_limit, false) c;
END;
$$;

ALTER TABLE "Task" SET (fillfactor = 85);

-- 4. Plan once per connection. Measured with pg_stat_statements (track_planning) on the bench
--    data: PL/pgSQL re-planned the submit statement on every call (1.5 ms of planning for 0.5 ms
--    of execution) and the claim's re-check (0.8 ms for 0.2 ms), because with the task id known
--    a custom plan always looks cheaper than the generic one it would cache. The statements look
--    rows up by key, so the generic plan is the custom plan; force it.
ALTER FUNCTION feedloop_submit_answer(text, integer, integer, text, jsonb, integer, text[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION feedloop_submit_and_claim(text, integer, integer, text, jsonb, integer, text[], integer[], integer, integer) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION feedloop_claim_task(text, integer, integer[], integer, integer, boolean) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION feedloop_other_leases(integer, text) SET plan_cache_mode = force_generic_plan;
