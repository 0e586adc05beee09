/**
 * A measure's answers as compact typed arrays for the consensus models (lib/stats/labels.ts) and
 * the pair tables, from one query: PostgreSQL decodes each answer's JSON once and groups the
 * values by annotator, one text per annotator ("t,s,v;t,s,v;...", or t*16+v for pairwise choices)
 * in no particular order, which keeps the aggregate parallel (an ordered string_agg sorts a
 * million rows and took 3x as long).
 * The texts are parsed straight into typed arrays (no object per answer), and a stable radix sort
 * orders the answers by task, sub-unit and annotator, so items are contiguous and numbered in that
 * order. Memory: the texts (about 11 bytes an answer) while parsing, then 20 bytes an answer.
 */
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { effectiveAnswerSql, isRejectedSql } from '../services/review/reviews';
import { measureAnswerValuesSql, type Measure } from './measures';

export type MeasureAnswers = {
  /** User id per annotator index: every annotator with a submitted answer in the project, in the database's order. */
  userIds: string[];
  /** Task and sub-unit (completion, or 0) per item index, ordered by task then sub-unit. */
  itemTasks: Int32Array;
  itemSubs: Int32Array;
  /** Per answer, ordered by item then annotator. */
  items: Int32Array;
  annotators: Int32Array;
  values: Int32Array;
};

/**
 * Parses "t,s,v;t,s,v;..." (non-negative integers) into the arrays from `at` on; returns the next
 * free position.
 */
/**
 * Parses "t*16+v;t*16+v;..." (whole-task measures, whose sub-unit is always 0 and value 0-3: one
 * number an answer, about a fifth less work for PostgreSQL than three joined by commas).
 */
function parsePackedText(text: string, annotator: number, at: number, out: { tasks: Int32Array; subs: Int32Array; annotators: Int32Array; values: Int32Array }): number {
  let current = 0;
  let n = at;
  for (let i = 0; i <= text.length; i += 1) {
    const c = i < text.length ? text.charCodeAt(i) : 59;
    if (c === 59) {
      out.tasks[n] = Math.floor(current / 16);
      out.subs[n] = 0;
      out.annotators[n] = annotator;
      out.values[n] = current % 16;
      n += 1;
      current = 0;
    } else current = current * 10 + (c - 48);
  }
  return n;
}

function parseAnnotatorText(text: string, annotator: number, at: number, out: { tasks: Int32Array; subs: Int32Array; annotators: Int32Array; values: Int32Array }): number {
  let field = 0;
  let current = 0;
  let task = 0;
  let sub = 0;
  let n = at;
  for (let i = 0; i <= text.length; i += 1) {
    const c = i < text.length ? text.charCodeAt(i) : 59;
    if (c === 44) {
      if (field === 0) task = current;
      else sub = current;
      field += 1;
      current = 0;
    } else if (c === 59) {
      out.tasks[n] = task;
      out.subs[n] = sub;
      out.annotators[n] = annotator;
      out.values[n] = current;
      n += 1;
      field = 0;
      current = 0;
    } else current = current * 10 + (c - 48);
  }
  return n;
}

/**
 * A stable LSD radix sort of `order` (indices) by non-negative 32-bit keys, 16 bits a pass (a
 * pass whose digit is the same for every key is skipped). Returns the sorted indices.
 */
function radixSortBy(order: Int32Array<ArrayBuffer>, keys: Int32Array): Int32Array<ArrayBuffer> {
  let from = order;
  let to = new Int32Array(order.length);
  for (const shift of [0, 16]) {
    const counts = new Int32Array(65537);
    for (let i = 0; i < from.length; i += 1) counts[((keys[from[i]] >>> shift) & 0xffff) + 1] += 1;
    if (from.length > 0 && counts[((keys[from[0]] >>> shift) & 0xffff) + 1] === from.length) continue;
    for (let d = 1; d <= 65536; d += 1) counts[d] += counts[d - 1];
    for (let i = 0; i < from.length; i += 1) {
      const index = from[i];
      to[counts[(keys[index] >>> shift) & 0xffff]++] = index;
    }
    [from, to] = [to, from];
  }
  return from;
}

/**
 * The submitted answers as annotators gave them (`asConsumed` false: what agreement and annotator
 * quality judge), or as datasets consume them (`asConsumed`: answers a reviewer rejected left
 * out, each as its latest correction; what consensus labels for snapshots and their weights use).
 */
function answerRowsSql(projectId: number, asConsumed: boolean): Prisma.Sql {
  if (!asConsumed) return Prisma.sql`(SELECT a0."userId", a0."taskId", a0.answer FROM "Annotation" a0 WHERE a0."projectId" = ${projectId}::int AND a0.status = 'SUBMITTED')`;
  return Prisma.sql`(SELECT a0."userId", a0."taskId", ${effectiveAnswerSql(Prisma.sql`a0`)} AS answer FROM "Annotation" a0
    WHERE a0."projectId" = ${projectId}::int AND a0.status = 'SUBMITTED' AND NOT ${isRejectedSql(Prisma.sql`a0`)})`;
}

export async function readMeasureAnswers(options: { db: PrismaClient; projectId: number; measure: Measure; asConsumed?: boolean }): Promise<MeasureAnswers> {
  const { db, projectId, measure } = options;
  // LEFT JOIN: an annotator whose submitted answers never touch this measure still has an index.
  const isPacked = measure.questionType === 'pairwise';
  const entry = isPacked ? Prisma.sql`(a."taskId"::int8 * 16 + x.v)::text` : Prisma.sql`a."taskId"::text || ',' || x.s::text || ',' || x.v::text`;
  const rows = await db.$queryRaw<{ userId: string; answers: number; text: string | null }[]>`
    SELECT a."userId", (count(x.v) FILTER (WHERE x.v >= 0))::int AS answers,
      string_agg(${entry}, ';') FILTER (WHERE x.v >= 0) AS text
    FROM ${answerRowsSql(projectId, options.asConsumed ?? false)} a LEFT JOIN LATERAL (${measureAnswerValuesSql(measure)}) x ON true
    GROUP BY a."userId" ORDER BY a."userId"`;
  const total = rows.reduce((s, r) => s + r.answers, 0);
  const raw = { tasks: new Int32Array(total), subs: new Int32Array(total), annotators: new Int32Array(total), values: new Int32Array(total) };
  let n = 0;
  rows.forEach((row, j) => {
    if (row.text) n = (isPacked ? parsePackedText : parseAnnotatorText)(row.text, j, n, raw);
    row.text = null;
  });
  if (n !== total) throw new Error(`Read ${n} answers of ${total}`);
  // Answers arrive grouped by annotator in index order, so sorting by sub-unit, then (stably) by
  // task leaves them ordered by task, sub-unit and annotator.
  const order = radixSortBy(
    radixSortBy(
      Int32Array.from({ length: total }, (_, i) => i),
      raw.subs,
    ),
    raw.tasks,
  );
  const items = new Int32Array(total);
  const annotators = new Int32Array(total);
  const values = new Int32Array(total);
  const itemTasks: number[] = [];
  const itemSubs: number[] = [];
  for (let p = 0; p < total; p += 1) {
    const i = order[p];
    const last = itemTasks.length - 1;
    if (last < 0 || itemTasks[last] !== raw.tasks[i] || itemSubs[last] !== raw.subs[i]) {
      itemTasks.push(raw.tasks[i]);
      itemSubs.push(raw.subs[i]);
    }
    items[p] = itemTasks.length - 1;
    annotators[p] = raw.annotators[i];
    values[p] = raw.values[i];
  }
  return { userIds: rows.map((r) => r.userId), itemTasks: Int32Array.from(itemTasks), itemSubs: Int32Array.from(itemSubs), items, annotators, values };
}

/**
 * Contingency cells of every annotator pair over the units both answered, from the compact
 * answers (items are contiguous): per unit, every pair of its annotators adds one to the cell of
 * their two values. The lower user id (in the database's order) is the pair's first annotator.
 */
export function pairCellsOfAnswers(answers: MeasureAnswers): Map<string, { a: string; b: string; cells: [number, number, number][] }> {
  const J = answers.userIds.length;
  const counts = new Map<number, Map<number, number>>();
  const { items, annotators, values } = answers;
  let start = 0;
  while (start < items.length) {
    let end = start + 1;
    while (end < items.length && items[end] === items[start]) end += 1;
    for (let p = start; p < end; p += 1) {
      for (let q = p + 1; q < end; q += 1) {
        const [x, y] = annotators[p] < annotators[q] ? [p, q] : [q, p];
        const pairKey = annotators[x] * J + annotators[y];
        let cells = counts.get(pairKey);
        if (!cells) {
          cells = new Map();
          counts.set(pairKey, cells);
        }
        const cellKey = values[x] * 65536 + values[y];
        cells.set(cellKey, (cells.get(cellKey) ?? 0) + 1);
      }
    }
    start = end;
  }
  const pairs = new Map<string, { a: string; b: string; cells: [number, number, number][] }>();
  for (const [pairKey, cells] of counts) {
    const a = answers.userIds[Math.floor(pairKey / J)];
    const b = answers.userIds[pairKey % J];
    pairs.set(`${a}\u0000${b}`, { a, b, cells: [...cells].map(([key, n]) => [Math.floor(key / 65536), key % 65536, n]) });
  }
  return pairs;
}
