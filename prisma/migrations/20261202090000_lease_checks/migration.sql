-- Hand-written: leases that hold (issue 7).
--
-- 1. feedloop_claim_task (first written in 20261127235500_claim_task_function, which describes
--    it) now takes a per-annotator, per-project advisory lock first, so one annotator sending two
--    queue.next at once gets one task, not two leases. The rest of the function is unchanged.
--
-- 2. feedloop_other_leases: the unexpired leases others hold on a task, counted with a fresh
--    snapshot. submitAnnotation calls it, in its one CTE statement, only for a caller whose lease
--    expired, after the statement has locked the task row. A plain subquery there would use the
--    statement's snapshot, taken before the lock was granted, and could miss a lease that a claim
--    (which holds the same row lock while it leases) committed meanwhile; a VOLATILE PL/pgSQL
--    function takes a new snapshot per statement (READ COMMITTED), so its count is exact, as in
--    the claim's second statement. PL/pgSQL, not SQL: a SQL function may be inlined into the
--    calling query and would then share its snapshot.

CREATE OR REPLACE FUNCTION feedloop_claim_task(
  p_user_id text,
  p_project_id integer,
  p_excluded integer[],
  p_max_leases integer,
  p_limit integer,
  p_wait_for_locks boolean
)
RETURNS TABLE (outcome text, task_id integer, lease_expires_at timestamp(3), candidate_ids integer[], active_leases integer)
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
  v_now timestamp(3) := now() AT TIME ZONE 'UTC';
  v_overlap integer;
  v_lease_seconds integer;
  v_active integer;
  v_resume integer;
  v_cursor integer;
  v_pass integer;
  v_lo integer;
  v_hi integer;
  v_candidates integer[];
  v_pick integer;
  v_expires timestamp(3);
BEGIN
  -- One claim at a time per annotator and project (a transaction-level lock, released at commit).
  -- Without it, two calls sent at once both see no lease of mine, lock different candidates and
  -- lease two tasks; with it, the second sees the first's lease (the next statement takes a fresh
  -- snapshot) and resumes it. Key: the single-bigint lock space, which does not overlap the
  -- two-integer keys used elsewhere (server/jobs/rounds.ts).
  PERFORM pg_advisory_xact_lock((hashtext(p_user_id)::bigint << 32) | p_project_id::bigint);

  SELECT p.overlap, p."leaseSeconds" INTO v_overlap, v_lease_seconds FROM "Project" p WHERE p.id = p_project_id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_project'::text, NULL::integer, NULL::timestamp(3), NULL::integer[], 0;
    RETURN;
  END IF;

  -- My unexpired leases on open tasks: resume the first one the client does not already have.
  SELECT count(*)::integer, min(a."taskId") FILTER (WHERE NOT (a."taskId" = ANY(p_excluded)))
    INTO v_active, v_resume
    FROM "Assignment" a JOIN "Task" t ON t.id = a."taskId"
    WHERE a."userId" = p_user_id AND a."projectId" = p_project_id AND a."expiresAt" > v_now AND t.status = 'OPEN';
  IF v_resume IS NOT NULL THEN
    UPDATE "Assignment" a SET "expiresAt" = v_now + make_interval(secs => v_lease_seconds)
      WHERE a."taskId" = v_resume AND a."userId" = p_user_id
      RETURNING a."expiresAt" INTO v_expires;
    RETURN QUERY SELECT 'task'::text, v_resume, v_expires, NULL::integer[], v_active;
    RETURN;
  END IF;
  IF v_active >= p_max_leases THEN
    RETURN QUERY SELECT 'too_many'::text, NULL::integer, NULL::timestamp(3), NULL::integer[], v_active;
    RETURN;
  END IF;

  SELECT coalesce(max(c."lastTaskId"), 0) INTO v_cursor FROM "QueueCursor" c WHERE c."userId" = p_user_id AND c."projectId" = p_project_id;

  -- Statement 1: lock candidates, scanning open tasks above the cursor, then once from the start.
  -- Planner guards (measured on 1M annotations): `projectId = ANY(ARRAY[..])` keeps projectId out
  -- of the planner's constants, so ORDER BY ("projectId", id) is served by the partial index of
  -- OPEN tasks and never by the primary key walking through DONE tasks; `OFFSET 0` keeps "not
  -- answered by me" a per-row probe of the (taskId, userId) index rather than an anti-join that
  -- reads all of my annotations.
  FOR v_pass IN 1..2 LOOP
    -- Pass 1: ids above the cursor; pass 2: from the start up to the cursor.
    IF v_pass = 1 THEN v_lo := v_cursor; v_hi := 2147483647; ELSE v_lo := 0; v_hi := v_cursor; END IF;
    IF p_wait_for_locks THEN
      -- One row, waiting for its lock: a transaction that waits holds no other lock, so no deadlock.
      SELECT array_agg(x.id) INTO v_candidates FROM (
        SELECT t.id FROM "Task" t
        WHERE t."projectId" = ANY(ARRAY[p_project_id]) AND t.status = 'OPEN' AND t.id > v_lo AND t.id <= v_hi
          AND NOT (t.id = ANY(p_excluded))
          AND NOT EXISTS (SELECT 1 FROM "Annotation" an WHERE an."taskId" = t.id AND an."userId" = p_user_id OFFSET 0)
          AND t."submittedCount" + (SELECT count(*) FROM "Assignment" a WHERE a."taskId" = t.id AND a."userId" <> p_user_id AND a."expiresAt" > v_now) < v_overlap
        ORDER BY t."projectId", t.id LIMIT 1
        FOR UPDATE OF t
      ) x;
    ELSE
      SELECT array_agg(x.id) INTO v_candidates FROM (
        SELECT t.id FROM "Task" t
        WHERE t."projectId" = ANY(ARRAY[p_project_id]) AND t.status = 'OPEN' AND t.id > v_lo AND t.id <= v_hi
          AND NOT (t.id = ANY(p_excluded))
          AND NOT EXISTS (SELECT 1 FROM "Annotation" an WHERE an."taskId" = t.id AND an."userId" = p_user_id OFFSET 0)
          AND t."submittedCount" + (SELECT count(*) FROM "Assignment" a WHERE a."taskId" = t.id AND a."userId" <> p_user_id AND a."expiresAt" > v_now) < v_overlap
        ORDER BY t."projectId", t.id LIMIT p_limit
        FOR UPDATE OF t SKIP LOCKED
      ) x;
    END IF;
    EXIT WHEN v_candidates IS NOT NULL OR v_cursor = 0;
  END LOOP;
  IF v_candidates IS NULL THEN
    RETURN QUERY SELECT 'empty'::text, NULL::integer, NULL::timestamp(3), NULL::integer[], v_active;
    RETURN;
  END IF;

  -- Statement 2, with a snapshot taken after the locks: whoever leased or submitted one of these
  -- tasks before us held the same lock and has committed, so this count is exact.
  SELECT t.id INTO v_pick FROM "Task" t
    WHERE t.id = ANY(v_candidates) AND t.status = 'OPEN'
      AND NOT EXISTS (SELECT 1 FROM "Annotation" an WHERE an."taskId" = t.id AND an."userId" = p_user_id)
      AND t."submittedCount" + (SELECT count(*) FROM "Assignment" a WHERE a."taskId" = t.id AND a."userId" <> p_user_id AND a."expiresAt" > v_now) < v_overlap
    ORDER BY array_position(v_candidates, t.id)
    LIMIT 1;
  IF v_pick IS NULL THEN
    RETURN QUERY SELECT 'lost'::text, NULL::integer, NULL::timestamp(3), v_candidates, v_active;
    RETURN;
  END IF;

  INSERT INTO "Assignment" ("taskId", "projectId", "userId", "leasedAt", "expiresAt")
    VALUES (v_pick, p_project_id, p_user_id, v_now, v_now + make_interval(secs => v_lease_seconds))
    ON CONFLICT ("taskId", "userId") DO UPDATE SET "leasedAt" = excluded."leasedAt", "expiresAt" = excluded."expiresAt"
    RETURNING "expiresAt" INTO v_expires;
  INSERT INTO "QueueCursor" ("userId", "projectId", "lastTaskId", "updatedAt")
    VALUES (p_user_id, p_project_id, v_pick, v_now)
    ON CONFLICT ("userId", "projectId") DO UPDATE SET "lastTaskId" = excluded."lastTaskId", "updatedAt" = excluded."updatedAt";
  RETURN QUERY SELECT 'task'::text, v_pick, v_expires, NULL::integer[], v_active + 1;
END;
$$;


CREATE OR REPLACE FUNCTION feedloop_other_leases(p_task_id integer, p_user_id text)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
  v_count integer;
BEGIN
  SELECT count(*)::integer INTO v_count FROM "Assignment" a
    WHERE a."taskId" = p_task_id AND a."userId" <> p_user_id AND a."expiresAt" > now() AT TIME ZONE 'UTC';
  RETURN v_count;
END;
$$;
