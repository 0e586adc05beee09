/**
 * A measure's answers as compact typed arrays for the consensus models (lib/stats/labels.ts),
 * read in pages of task ids: each page is one query whose rows come back as four integer arrays
 * (task, sub-unit, annotator index, value), so a million answers never exist as a million objects
 * and memory holds one page of rows plus the typed arrays (16 bytes an answer).
 */
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { measureValuesSql, type Measure } from './measures';

export type MeasureAnswers = {
  /** User id per annotator index. */
  userIds: string[];
  /** Task and sub-unit (completion, or 0) per item index. */
  itemTasks: Int32Array;
  itemSubs: Int32Array;
  items: Int32Array;
  annotators: Int32Array;
  values: Int32Array;
};

const TASK_ID_SPAN = 50_000;

class IntBuffer {
  data = new Int32Array(1024);
  length = 0;
  push(value: number) {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Parses one page: "t,s,u,v;t,s,u,v;..." (non-negative integers) into the buffers, numbering
 * items in order of first appearance (the page is sorted by task and sub-unit).
 */
function parsePage(text: string, out: { itemTasks: IntBuffer; itemSubs: IntBuffer; items: IntBuffer; annotators: IntBuffer; values: IntBuffer }): void {
  const fields = [0, 0, 0, 0];
  let field = 0;
  let current = 0;
  const flush = () => {
    fields[field] = current;
    const [t, s, u, v] = fields;
    const last = out.itemTasks.length - 1;
    if (last < 0 || out.itemTasks.data[last] !== t || out.itemSubs.data[last] !== s) {
      out.itemTasks.push(t);
      out.itemSubs.push(s);
    }
    out.items.push(out.itemTasks.length - 1);
    out.annotators.push(u);
    out.values.push(v);
    field = 0;
    current = 0;
  };
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      fields[field] = current;
      field += 1;
      current = 0;
    } else if (c === 59) flush();
    else current = current * 10 + (c - 48);
  }
  if (text.length > 0) flush();
}

export async function readMeasureAnswers(options: { db: PrismaClient; projectId: number; measure: Measure }): Promise<MeasureAnswers> {
  const { db, projectId, measure } = options;
  const userRows = await db.$queryRaw<{ userId: string }[]>`
    SELECT DISTINCT a."userId" FROM "Annotation" a WHERE a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED' ORDER BY a."userId"`;
  const userIds = userRows.map((r) => r.userId);
  const [bounds] = await db.$queryRaw<{ low: number | null; high: number | null }[]>`
    SELECT min(a."taskId") AS low, max(a."taskId") AS high FROM "Annotation" a WHERE a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED'`;
  const out = { itemTasks: new IntBuffer(), itemSubs: new IntBuffer(), items: new IntBuffer(), annotators: new IntBuffer(), values: new IntBuffer() };
  if (bounds?.low != null && bounds.high != null) {
    for (let low = bounds.low; low <= bounds.high; low += TASK_ID_SPAN) {
      const range = Prisma.sql`AND a."taskId" >= ${low}::int AND a."taskId" < ${low + TASK_ID_SPAN}::int`;
      // One text per page: the driver hands over a single string, parsed above without objects.
      const [page] = await db.$queryRaw<{ rows: string | null }[]>`
        SELECT string_agg(x.t::text || ',' || x.s::text || ',' || (u.i - 1)::text || ',' || x.v::text, ';' ORDER BY x.t, x.s) AS rows
        FROM (${measureValuesSql(measure, projectId, range)}) x
        JOIN unnest(${userIds}::text[]) WITH ORDINALITY AS u(id, i) ON u.id = x.u
        WHERE x.v >= 0`;
      if (page?.rows) parsePage(page.rows, out);
    }
  }
  return { userIds, itemTasks: out.itemTasks.toArray(), itemSubs: out.itemSubs.toArray(), items: out.items.toArray(), annotators: out.annotators.toArray(), values: out.values.toArray() };
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
