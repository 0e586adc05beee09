/**
 * Dataset snapshots: a frozen selection of a project's annotations, the one way to freeze data for
 * an export or a training round (trainer/jobs/snapshot.ts calls createSnapshot too).
 *
 * What a snapshot freezes:
 * - the annotation ids (SnapshotAnnotation rows), chosen once by the filters below. Only settled
 *   annotations are taken: SUBMITTED and older than the project's undo window (one that can still
 *   be undone is not final). Annotations made later never enter it.
 * - the split into train and test, by prompt, so one prompt's pairs never straddle the two. Either
 *   the project's own HELDOUT prompts, or a seeded hash of the prompt id (md5 of "seed:promptId")
 *   under a percentage; both are pure functions of stored data, so the split is recomputed in SQL
 *   at every read and always comes out the same.
 * - counts and a content hash: sha256 over the snapshot's records (prompt, completions in display
 *   order, answers, edit, split; never the user) in annotation id order. Equal hashes, equal data.
 *
 * Takes the Prisma client as an argument (no server/db import), so the trainer can call it with
 * its own client.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { ZAnswer, ZRatingForm, type RatingForm } from '../../lib/forms/schema';
import { MAX_DB_INT, ZSafeText } from '../../lib/validation';
import { AppError } from '../errors';
import { API_FEEDBACK_USER_ID, IMPORTED_USER_ID_PREFIX } from '../services/pseudo-annotators';
import { buildKtoExamples, buildTrainingData, type AnnotationRecord, type ChatTurn } from '../jobs/training-data';
import { consensusAnnotationIds } from '../quality/consensus-labels';
import { effectiveAnswerSql, isRejectedSql } from '../services/review/reviews';
import { consensusWeights } from './confidence-weights';

type SnapshotDb = PrismaClient;

const SNAPSHOT_TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

export const ZSnapshotSplit = z.discriminatedUnion('mode', [
  /** The project's own split: HELDOUT prompts are the test set. */
  z.object({ mode: z.literal('prompt') }),
  /** A seeded share of prompts, hashed per prompt id, is the test set. */
  z.object({ mode: z.literal('hash'), testPercent: z.number().min(0, 'at least 0%').max(100, 'at most 100%'), seed: z.number().int().min(0).max(MAX_DB_INT) }),
]);
export type SnapshotSplit = z.infer<typeof ZSnapshotSplit>;

export const ZSnapshotFilters = z
  .object({
    /** Annotations created at or after this time. */
    from: z.coerce.date({ error: 'not a date' }).optional(),
    /** Annotations created at or before this time. */
    to: z.coerce.date({ error: 'not a date' }).optional(),
    /** Only these annotators' answers (user ids); empty or absent: everyone's. */
    annotatorIds: z.array(ZSafeText(200).min(1)).max(1000).optional(),
    /** Only annotations that answered this question of the form. */
    questionId: ZSafeText(100).min(1).optional(),
    /**
     * Only tasks whose annotators agree at least this much (0-1: the share giving the most common
     * answer) on the form's first pairwise or ranking question. Tasks answered by one annotator
     * have nothing to disagree about and are kept.
     */
    minAgreement: z.number().min(0, 'The minimum agreement must be between 0 and 1 (0-100%)').max(1, 'The minimum agreement must be between 0 and 1 (0-100%)').optional(),
    /** Leave out tasks that are flagged or that anyone flagged. */
    excludeFlagged: z.boolean().default(false),
    /**
     * Which answers: every settled one ('all', the default), or one per task carrying its consensus
     * label on the form's first pairwise question: 'majority' (ties dropped) or 'dawid-skene'
     * (server/quality/consensus-labels.ts).
     */
    labelSource: z.enum(['all', 'majority', 'dawid-skene']).optional(),
    /**
     * Freeze a confidence weight (0-1) per answer, which exports write as `weight`
     * (confidence-weights.ts says how it is computed for each label source). Off by default, so
     * exports stay as they were.
     */
    weightByConfidence: z.boolean().optional(),
    split: ZSnapshotSplit.default({ mode: 'prompt' }),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'The start date is after the end date', path: ['to'] });
export type SnapshotFilters = z.infer<typeof ZSnapshotFilters>;
export type SnapshotFiltersInput = z.input<typeof ZSnapshotFilters>;

/** What a snapshot records of its selection (DatasetSnapshot.filters). */
export type StoredFilters = {
  status: 'SUBMITTED';
  /** The undo window's edge when it was taken: nothing newer was eligible. */
  before: string;
  from?: string;
  to?: string;
  annotatorCount?: number;
  annotatorIds?: string[];
  questionId?: string;
  minAgreement?: number;
  agreementQuestionId?: string | null;
  excludeFlagged?: boolean;
  labelSource?: 'majority' | 'dawid-skene';
  /** Each answer carries a frozen confidence weight (SnapshotAnnotation.weight). */
  weightByConfidence?: true;
  /** The question the weights were measured on (agreement with it, or its consensus). */
  weightQuestionId?: string;
  split: SnapshotSplit;
};

export type SnapshotCounts = {
  annotations: number;
  trainAnnotations: number;
  testAnnotations: number;
  /** Preference pairs with the default rules, train and test (heldout) prompts. */
  trainPairs: number;
  heldoutPairs: number;
  /** SFT examples of train prompts (the trainer's `sft`). */
  sft: number;
  kto: number;
};

/** One annotation of a snapshot with everything any export needs. */
export type SnapshotRecord = AnnotationRecord & {
  taskId: number;
  /** Only to derive the annotator pseudonym; never written out. */
  userId: string;
  status: string;
  timeSpentMs: number;
  createdAt: Date;
  promptText: string;
  messages: ChatTurn[] | null;
  /** The task's completions in display order. */
  completionList: { id: number; text: string }[];
  splitName: 'train' | 'test';
  /** The confidence of this answer's label (0-1) when the snapshot was weighted, else null. */
  weight: number | null;
};

function readStoredFilters(filters: unknown): StoredFilters {
  const stored = (filters ?? {}) as Partial<StoredFilters>;
  const split = ZSnapshotSplit.safeParse(stored.split);
  return { ...stored, status: 'SUBMITTED', before: stored.before ?? new Date(0).toISOString(), split: split.success ? split.data : { mode: 'prompt' } };
}

type AgreementQuestion = { id: string; type: 'pairwise' | 'ranking' };

/** The first pairwise or ranking question: the one agreement is measured on. */
function agreementQuestion(form: RatingForm): AgreementQuestion | null {
  for (const q of form.questions) if (q.type === 'pairwise' || q.type === 'ranking') return { id: q.id, type: q.type };
  return null;
}

/**
 * An answer is settled once nobody can undo it: a person's after the project's undo window, a
 * pseudo-annotator's (imported judgements, API feedback: no one holds an undo for them) at once.
 */
function isSettled(alias: Prisma.Sql, before: Date): Prisma.Sql {
  return Prisma.sql`(${alias}."createdAt" <= ${before} OR ${alias}."userId" = ${API_FEEDBACK_USER_ID} OR ${alias}."userId" LIKE ${`${IMPORTED_USER_ID_PREFIX}%`})`;
}

/** What two answers to the agreement question must share to agree (`answer`: a jsonb expression). */
function agreementKeySql(question: AgreementQuestion, answer: Prisma.Sql): Prisma.Sql {
  return question.type === 'pairwise' ? Prisma.sql`(${answer} -> ${question.id}::text ->> 'choice')` : Prisma.sql`(${answer} -> ${question.id}::text -> 'order')::text`;
}

/**
 * The answers of task a."taskId" that agreement counts, as rows `o(answer)`: the ones a consumer
 * uses (submitted, settled, not rejected by a reviewer), each as its latest correction.
 */
function countedAnswersSql(before: Date): Prisma.Sql {
  return Prisma.sql`(SELECT ${effectiveAnswerSql(Prisma.sql`o0`)} AS answer FROM "Annotation" o0
    WHERE o0."taskId" = a."taskId" AND o0.status = 'SUBMITTED' AND ${isSettled(Prisma.sql`o0`, before)} AND NOT ${isRejectedSql(Prisma.sql`o0`)}) o`;
}

/**
 * The confidence weight of answer `a` when every answer is kept (labelSource 'all'): the share of
 * its task's counted answers to the agreement question that give the same answer as it (itself
 * included, so a lone answer weighs 1 and one of two disagreeing answers 0.5). An answer that
 * skipped the question has no label there to doubt and weighs 1.
 */
function answerAgreementWeightSql(question: AgreementQuestion, before: Date): Prisma.Sql {
  const own = effectiveAnswerSql(Prisma.sql`a`);
  return Prisma.sql`(SELECT CASE WHEN NOT (${own} ? ${question.id}::text) OR count(*) = 0 THEN 1.0
      ELSE (count(*) FILTER (WHERE ${agreementKeySql(question, Prisma.sql`o.answer`)} IS NOT DISTINCT FROM ${agreementKeySql(question, own)}))::float8 / count(*) END
    FROM ${countedAnswersSql(before)} WHERE o.answer ? ${question.id}::text)`;
}

/**
 * Freezes a selection. Validates the filters (AppError BAD_REQUEST), writes the snapshot and its
 * rows in one transaction, then computes counts and hash by streaming its records.
 */
export async function createSnapshot(options: {
  db: SnapshotDb;
  projectId: number;
  name: string | null;
  filters: SnapshotFiltersInput;
  createdById: string | null;
}): Promise<{ snapshotId: number; counts: SnapshotCounts; contentHash: string }> {
  const parsed = ZSnapshotFilters.safeParse(options.filters);
  if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '));
  const filters = parsed.data;
  const { db } = options;
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: { form: true, undoSeconds: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const form = ZRatingForm.parse(project.form);
  if (filters.questionId && !form.questions.some((q) => q.id === filters.questionId)) throw new AppError('BAD_REQUEST', `The form has no question "${filters.questionId}"`);
  const before = new Date(Date.now() - project.undoSeconds * 1000);
  const agreement = filters.minAgreement !== undefined ? agreementQuestion(form) : null;
  if (filters.minAgreement !== undefined && !agreement) throw new AppError('BAD_REQUEST', 'Agreement needs a pairwise or ranking question in the form');

  const conditions: Prisma.Sql[] = [
    Prisma.sql`a."projectId" = ${options.projectId}::int`,
    Prisma.sql`a.status = 'SUBMITTED'`,
    isSettled(Prisma.sql`a`, before),
    Prisma.sql`NOT ${isRejectedSql(Prisma.sql`a`)}`,
  ];
  if (filters.from) conditions.push(Prisma.sql`a."createdAt" >= ${filters.from}`);
  if (filters.to) conditions.push(Prisma.sql`a."createdAt" <= ${filters.to}`);
  if (filters.annotatorIds?.length) conditions.push(Prisma.sql`a."userId" = ANY(${filters.annotatorIds}::text[])`);
  if (filters.questionId) conditions.push(Prisma.sql`a.answer ? ${filters.questionId}::text`);
  if (filters.excludeFlagged) {
    conditions.push(Prisma.sql`t.status <> 'FLAGGED'`);
    conditions.push(Prisma.sql`NOT EXISTS (SELECT 1 FROM "Annotation" f WHERE f."taskId" = a."taskId" AND f.status = 'FLAGGED')`);
  }
  if (agreement && filters.minAgreement !== undefined) {
    // Agreement among the answers a consumer would use: settled, not rejected by a reviewer, each
    // as its latest correction (the same answers the records carry).
    conditions.push(Prisma.sql`(
      SELECT CASE WHEN COALESCE(sum(g.n), 0) < 2 THEN 1.0 ELSE max(g.n)::float8 / sum(g.n) END
      FROM (SELECT count(*) AS n FROM ${countedAnswersSql(before)}
            WHERE o.answer ? ${agreement.id}::text
            GROUP BY ${agreementKeySql(agreement, Prisma.sql`o.answer`)}) g) >= ${filters.minAgreement}::float8`);
  }
  if (filters.labelSource === 'majority' || filters.labelSource === 'dawid-skene') {
    const keep = await consensusAnnotationIds({ db, projectId: options.projectId, method: filters.labelSource });
    conditions.push(Prisma.sql`a.id = ANY(${keep}::int[])`);
  }
  // The weight column of each row, and what it joins (consensus weights come per task).
  let weight = Prisma.sql`NULL::float8`;
  let weightJoin = Prisma.empty;
  let weightQuestionId: string | undefined;
  if (filters.weightByConfidence) {
    if (filters.labelSource === 'majority' || filters.labelSource === 'dawid-skene') {
      const weights = await consensusWeights({ db, projectId: options.projectId, method: filters.labelSource });
      weightQuestionId = weights.questionId;
      weightJoin = Prisma.sql`LEFT JOIN unnest(${weights.taskIds}::int[], ${weights.weights}::float8[]) AS w("taskId", weight) ON w."taskId" = a."taskId"`;
      weight = Prisma.sql`w.weight`;
    } else {
      const question = agreementQuestion(form);
      if (!question) throw new AppError('BAD_REQUEST', 'Weighting by confidence needs a pairwise or ranking question in the form');
      weightQuestionId = question.id;
      weight = answerAgreementWeightSql(question, before);
    }
  }
  const stored: StoredFilters = {
    status: 'SUBMITTED',
    before: before.toISOString(),
    ...(filters.from && { from: filters.from.toISOString() }),
    ...(filters.to && { to: filters.to.toISOString() }),
    ...(filters.annotatorIds?.length && { annotatorIds: filters.annotatorIds, annotatorCount: filters.annotatorIds.length }),
    ...(filters.questionId && { questionId: filters.questionId }),
    ...(filters.minAgreement !== undefined && { minAgreement: filters.minAgreement, agreementQuestionId: agreement?.id ?? null }),
    ...(filters.excludeFlagged && { excludeFlagged: true }),
    ...((filters.labelSource === 'majority' || filters.labelSource === 'dawid-skene') && { labelSource: filters.labelSource }),
    ...(filters.weightByConfidence && { weightByConfidence: true as const, weightQuestionId }),
    split: filters.split,
  };

  // A million rows take longer than the default 5 s interactive-transaction timeout.
  const snapshotId = await db.$transaction(
    async (tx) => {
      const snapshot = await tx.datasetSnapshot.create({
        data: { projectId: options.projectId, name: options.name, filters: stored, counts: {}, contentHash: '', createdById: options.createdById },
        select: { id: true },
      });
      await tx.$executeRaw`
      INSERT INTO "SnapshotAnnotation" ("snapshotId", "annotationId", weight)
      SELECT ${snapshot.id}::int, a.id, ${weight} FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId" ${weightJoin}
      WHERE ${Prisma.join(conditions, ' AND ')}`;
      return snapshot.id;
    },
    { timeout: SNAPSHOT_TRANSACTION_TIMEOUT_MS, maxWait: 30_000 },
  );
  const summary = await summariseSnapshot({ db, snapshotId, form, split: filters.split });
  await db.datasetSnapshot.update({ where: { id: snapshotId }, data: { counts: summary.counts, contentHash: summary.contentHash } });
  return { snapshotId, ...summary };
}

/** Counts and content hash of a snapshot, streamed over its records. */
async function summariseSnapshot(options: { db: SnapshotDb; snapshotId: number; form: RatingForm; split: SnapshotSplit }): Promise<{ counts: SnapshotCounts; contentHash: string }> {
  const hash = createHash('sha256');
  const counts: SnapshotCounts = { annotations: 0, trainAnnotations: 0, testAnnotations: 0, trainPairs: 0, heldoutPairs: 0, sft: 0, kto: 0 };
  for await (const batch of readSnapshotRecords({ db: options.db, snapshotId: options.snapshotId, split: options.split })) {
    for (const r of batch) {
      const fields = [r.annotationId, r.taskId, r.promptId, r.promptText, r.messages, r.splitName, r.completionList, r.answer, r.editedText, r.status, r.timeSpentMs, r.createdAt.toISOString()];
      // A weight is hashed only when there is one, so unweighted snapshots hash as they always did.
      hash.update(`${JSON.stringify(r.weight === null ? fields : [...fields, r.weight])}\n`);
      const isTest = r.splitName === 'test';
      const data = buildTrainingData(options.form, [r]);
      counts.annotations += 1;
      if (isTest) {
        counts.testAnnotations += 1;
        counts.heldoutPairs += data.pairs.length;
      } else {
        counts.trainAnnotations += 1;
        counts.trainPairs += data.pairs.length;
        counts.sft += data.sft.length;
      }
      counts.kto += buildKtoExamples(options.form, [r]).length;
    }
  }
  return { counts, contentHash: hash.digest('hex') };
}

/** One record as the page query sends it: a JSON text per row (see readSnapshotRecords). */
type RecordRow = {
  annotationId: number;
  taskId: number;
  userId: string;
  status: string;
  answer: unknown;
  timeSpentMs: number;
  /** timestamp(3) without time zone, stored in UTC: "2026-12-07T16:28:03.519". */
  createdAt: string;
  promptId: number;
  text: string;
  messages: unknown;
  split: 'train' | 'test';
  completionIds: number[];
  completions: { id: number; text: string }[] | null;
  editedText: string | null;
  weight: number | null;
};

/**
 * A reviewer's correction replaces the answer (the latest one made before the snapshot, so a
 * snapshot's records and hash never change afterwards), its edit included: the edited text is the
 * correction's edit answer (none when the correction has none), else the annotator's HUMAN_EDIT
 * completion. Rejected answers are never selected (createSnapshot). Reviews are append-only:
 * server/services/review/reviews.ts.
 */
const CORRECTION_AT_SNAPSHOT = `LEFT JOIN LATERAL (SELECT rv."correctedAnswer" AS answer FROM "Review" rv
    WHERE rv."annotationId" = a.id AND rv.decision = 'CORRECT' AND rv."createdAt" <= (SELECT ds."createdAt" FROM "DatasetSnapshot" ds WHERE ds.id = s."snapshotId")
    ORDER BY rv.id DESC LIMIT 1) cr ON true`;
const EDITED_TEXT = `CASE WHEN cr.answer IS NOT NULL
      THEN (SELECT v.value ->> 'text' FROM jsonb_each(cr.answer) v WHERE v.value ->> 'type' = 'edit' ORDER BY v.key LIMIT 1)
      ELSE (SELECT e.text FROM "Completion" e WHERE e."promptId" = p.id AND e."annotationId" = a.id AND e.source = 'HUMAN_EDIT' ORDER BY e.id LIMIT 1) END`;

/** The split expression as SQL text, its literals inlined (integers only): COPY takes no parameters. */
function splitExpressionText(split: SnapshotSplit): string {
  if (split.mode === 'prompt') return `(CASE WHEN p.split = 'HELDOUT' THEN 'test' ELSE 'train' END)`;
  const basisPoints = Math.round(split.testPercent * 100);
  if (!Number.isInteger(split.seed) || !Number.isInteger(basisPoints)) throw new Error('split seed and percentage must be numbers');
  return `(CASE WHEN (('x' || substr(md5('${split.seed}:' || p.id::text), 1, 8))::bit(32)::bigint % 10000) < ${basisPoints} THEN 'test' ELSE 'train' END)`;
}

/**
 * The records query of a snapshot, up to its WHERE clause (callers add the keyset condition,
 * ORDER BY and LIMIT). One JSON text per row: the driver then handles a single text column and
 * JSON.parse does the rest, which is much faster than typed columns through Prisma, and the same
 * text streams out of COPY unchanged. Literals are inlined (integers and fixed words only).
 */
export function recordQueryText(options: { snapshotId: number; split: SnapshotSplit; only?: 'train' | 'test' }): string {
  if (!Number.isInteger(options.snapshotId)) throw new Error('snapshot id must be an integer');
  const split = splitExpressionText(options.split);
  const only = options.only === 'train' || options.only === 'test' ? `AND ${split} = '${options.only}'` : '';
  return `
    SELECT s."annotationId" AS id, json_build_object(
      'annotationId', a.id, 'taskId', a."taskId", 'userId', a."userId", 'status', a.status, 'answer', coalesce(cr.answer, a.answer),
      'timeSpentMs', a."timeSpentMs", 'createdAt', a."createdAt", 'promptId', p.id, 'text', p.text, 'messages', p.messages,
      'split', ${split}, 'completionIds', t."completionIds",
      'completions', (SELECT json_agg(json_build_object('id', c.id, 'text', c.text) ORDER BY array_position(t."completionIds", c.id))
         FROM "Completion" c WHERE c.id = ANY(t."completionIds")),
      'editedText', ${EDITED_TEXT}, 'weight', s.weight
    )::text AS j
    FROM "SnapshotAnnotation" s
    JOIN "Annotation" a ON a.id = s."annotationId"
    JOIN "Task" t ON t.id = a."taskId"
    JOIN "Prompt" p ON p.id = t."promptId"
    ${CORRECTION_AT_SNAPSHOT}
    WHERE s."snapshotId" = ${options.snapshotId} ${only}`;
}

/** The split rule a snapshot was taken with. */
export async function readSnapshotSplit(db: SnapshotDb, snapshotId: number): Promise<SnapshotSplit> {
  const snapshot = await db.datasetSnapshot.findUnique({ where: { id: snapshotId }, select: { filters: true } });
  if (!snapshot) throw new AppError('NOT_FOUND', `No snapshot ${snapshotId}`);
  return readStoredFilters(snapshot.filters).split;
}

/**
 * A snapshot's records in annotation id order, a batch at a time: keyset pages over the
 * snapshot's primary key, so memory holds one page whatever the size, and each page is one
 * index range scan. Stops between pages when `signal` aborts. (Exports stream the same query
 * through COPY instead: server/datasets/copy-records.ts.)
 */
export async function* readSnapshotRecords(options: {
  db: SnapshotDb;
  snapshotId: number;
  /** The snapshot's split rule (read from the snapshot when absent). */
  split?: SnapshotSplit;
  /** Only this side of the split. */
  only?: 'train' | 'test';
  batchSize?: number;
  /** Stop after this many records. */
  limit?: number;
  signal?: AbortSignal;
}): AsyncGenerator<SnapshotRecord[]> {
  const { db, snapshotId } = options;
  const split = options.split ?? (await readSnapshotSplit(db, snapshotId));
  const query = `${recordQueryText({ snapshotId, split, only: options.only })} AND s."annotationId" > $1 ORDER BY s."annotationId" LIMIT $2`;
  const batchSize = options.batchSize ?? 5000;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  let after = 0;
  while (remaining > 0) {
    options.signal?.throwIfAborted();
    const page = await db.$queryRawUnsafe<{ id: number; j: string }[]>(query, after, Math.min(batchSize, remaining));
    if (page.length === 0) return;
    after = page[page.length - 1].id;
    remaining -= page.length;
    yield page.map((row) => parseRecordRow(row.j));
    if (page.length < batchSize) return;
  }
}

/** One row of the records query (its JSON text) as a record. */
export function parseRecordRow(json: string): SnapshotRecord {
  return toRecord(JSON.parse(json) as RecordRow);
}

function toRecord(row: RecordRow): SnapshotRecord {
  const completionList = row.completions ?? [];
  const messages = Array.isArray(row.messages) ? (row.messages as ChatTurn[]) : null;
  return {
    annotationId: row.annotationId,
    promptId: row.promptId,
    prompt: messages ?? row.text,
    split: row.split === 'test' ? 'HELDOUT' : 'TRAIN',
    completionIds: row.completionIds,
    completions: new Map(completionList.map((c) => [c.id, c.text])),
    answer: ZAnswer.parse(row.answer ?? {}),
    editedText: row.editedText,
    taskId: row.taskId,
    userId: row.userId,
    status: row.status,
    timeSpentMs: row.timeSpentMs,
    createdAt: new Date(`${row.createdAt}Z`),
    promptText: row.text,
    messages,
    completionList,
    splitName: row.split,
    weight: row.weight ?? null,
  };
}

export type SnapshotSummary = {
  id: number;
  projectId: number;
  name: string | null;
  createdAt: Date;
  contentHash: string;
  counts: SnapshotCounts;
  filters: StoredFilters;
  runs: { id: number; number: number; status: string }[];
  versions: { id: number; name: string; kind: string; status: string }[];
};

const snapshotSelect = {
  id: true,
  projectId: true,
  name: true,
  createdAt: true,
  contentHash: true,
  counts: true,
  filters: true,
  runs: { select: { id: true, number: true, status: true }, orderBy: { id: 'asc' } },
  versions: { select: { id: true, name: true, kind: true, status: true }, orderBy: { id: 'asc' } },
} satisfies Prisma.DatasetSnapshotSelect;

function toSummary(row: Prisma.DatasetSnapshotGetPayload<{ select: typeof snapshotSelect }>): SnapshotSummary {
  return { ...row, counts: row.counts as SnapshotCounts, filters: readStoredFilters(row.filters) };
}

/** A project's snapshots, newest first, with their lineage (rounds and model versions that used them). */
export async function listSnapshots(options: { db: SnapshotDb; projectId: number }): Promise<SnapshotSummary[]> {
  const rows = await options.db.datasetSnapshot.findMany({ where: { projectId: options.projectId }, select: snapshotSelect, orderBy: { id: 'desc' }, take: 200 });
  return rows.map(toSummary);
}

export async function getSnapshot(options: { db: SnapshotDb; snapshotId: number }): Promise<SnapshotSummary> {
  const row = await options.db.datasetSnapshot.findUnique({ where: { id: options.snapshotId }, select: snapshotSelect });
  if (!row) throw new AppError('NOT_FOUND', `No snapshot ${options.snapshotId}`);
  return toSummary(row);
}
