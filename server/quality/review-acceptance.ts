/**
 * Review outcomes per annotator in a project: of their reviewed annotations, how many a reviewer
 * accepted, rejected or corrected. An annotation counts once, by its latest review (reviews are
 * append-only; a later decision supersedes an earlier one). Acceptance = accepted / reviewed.
 */
import { db } from '../db';

export type ReviewAcceptance = { userId: string; reviewed: number; accepted: number; rejected: number; corrected: number; acceptance: number | null };

export async function reviewAcceptanceByAnnotator(projectId: number): Promise<ReviewAcceptance[]> {
  const rows = await db.$queryRaw<Omit<ReviewAcceptance, 'acceptance'>[]>`
    WITH latest AS (
      SELECT DISTINCT ON (r."annotationId") r."annotationId", r.decision
      FROM "Review" r WHERE r."projectId" = ${projectId}::int
      ORDER BY r."annotationId", r.id DESC
    )
    SELECT a."userId", count(*)::int AS reviewed,
      (count(*) FILTER (WHERE l.decision = 'ACCEPT'))::int AS accepted,
      (count(*) FILTER (WHERE l.decision = 'REJECT'))::int AS rejected,
      (count(*) FILTER (WHERE l.decision = 'CORRECT'))::int AS corrected
    FROM latest l JOIN "Annotation" a ON a.id = l."annotationId"
    GROUP BY a."userId" ORDER BY a."userId"`;
  return rows.map((r) => ({ ...r, acceptance: r.reviewed > 0 ? r.accepted / r.reviewed : null }));
}
