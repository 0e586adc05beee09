/**
 * The built-in model's domain: integer arithmetic answered step by step, column by column.
 *
 *   prompt:     What is 47 + 38?
 *   completion: 7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85
 *
 * Why this domain: a program can judge every answer (so annotator feedback can be simulated and
 * policies evaluated without people), a 1-4 M parameter byte-level model learns the format quickly
 * but still makes mistakes on carries and borrows (so feedback has something to fix), and the
 * worked steps give RL a long, structured completion rather than a single number.
 *
 * Operations: addition and subtraction of 1-3 digit numbers (results never negative), and a 1-3
 * digit number times a single digit 2-9. Format details are in trainer/domain/README.md.
 */
import { mulberry32, pickOne, randomInt, type Rng } from '../model/random';

export type Operation = '+' | '-' | '*';
export type ArithmeticProblem = { op: Operation; a: number; b: number };
export type ArithmeticExample = { prompt: string; completion: string; answer: number };
export type Split = 'train' | 'heldout';
export type Judgement = {
  /** The completion is well formed and its answer equals the true result. */
  correct: boolean;
  /** The true result, or null when the prompt is not a problem the judge can read. */
  expected: number | null;
  /** The number after the final "Answer:", or null when there is none. */
  got: number | null;
  /** The completion ends with exactly one "Answer: <integer>". */
  wellFormed: boolean;
  /** 1 correct, 0.2 well formed but wrong, 0 otherwise: a reward for simulated feedback. */
  score: number;
};

/** Share of the problem space reserved for evaluation; decided by a hash, so it never depends on a seed. */
const HELDOUT_PERCENT = 10;

const PHRASINGS: Record<Operation, Array<(a: number, b: number) => string>> = {
  '+': [(a, b) => `What is ${a} + ${b}?`, (a, b) => `Calculate ${a} + ${b}.`, (a, b) => `${a} + ${b} = ?`, (a, b) => `What is ${a} plus ${b}?`, (a, b) => `Add ${a} and ${b}.`],
  '-': [(a, b) => `What is ${a} - ${b}?`, (a, b) => `Calculate ${a} - ${b}.`, (a, b) => `${a} - ${b} = ?`, (a, b) => `What is ${a} minus ${b}?`, (a, b) => `Subtract ${b} from ${a}.`],
  '*': [(a, b) => `What is ${a} * ${b}?`, (a, b) => `Calculate ${a} × ${b}.`, (a, b) => `${a} * ${b} = ?`, (a, b) => `What is ${a} times ${b}?`, (a, b) => `Multiply ${a} by ${b}.`],
};

/** A random problem: + 40%, - 35%, * 25%; operand lengths 1-3 digits, uniform. */
export function generateProblem(rng: Rng): ArithmeticProblem {
  const roll = rng();
  const op: Operation = roll < 0.4 ? '+' : roll < 0.75 ? '-' : '*';
  const a = randomOperand(rng);
  if (op === '*') return { op, a, b: randomInt(rng, 2, 9) };
  const b = randomOperand(rng);
  return op === '-' && a < b ? { op, a: b, b: a } : { op, a, b };
}

/** The prompt in one of five phrasings per operation. */
export function formatPrompt(problem: ArithmeticProblem, rng: Rng): string {
  return pickOne(rng, PHRASINGS[problem.op])(problem.a, problem.b);
}

export function answerOf(problem: ArithmeticProblem): number {
  switch (problem.op) {
    case '+':
      return problem.a + problem.b;
    case '-':
      return problem.a - problem.b;
    case '*':
      return problem.a * problem.b;
  }
}

/** The worked solution, column by column from the units, ending with "Answer: <n>". */
export function solveStepByStep(problem: ArithmeticProblem): string {
  const steps = problem.op === '+' ? addSteps(problem.a, problem.b) : problem.op === '-' ? subtractSteps(problem.a, problem.b) : multiplySteps(problem.a, problem.b);
  return `${steps.join(' ')} Answer: ${answerOf(problem)}`;
}

/** Which split a problem belongs to; train and heldout never share a problem. */
export function splitOf(problem: ArithmeticProblem): Split {
  return fnv1a(`${problem.op}:${problem.a}:${problem.b}`) % 100 < HELDOUT_PERCENT ? 'heldout' : 'train';
}

/**
 * `count` distinct problems of one split with prompts and worked completions, deterministic from
 * `seed`. Train and heldout are disjoint by construction (see splitOf), whatever the seeds.
 */
export function generateCorpus(options: { count: number; seed: number; split?: Split }): ArithmeticExample[] {
  const split = options.split ?? 'train';
  const rng = mulberry32(options.seed);
  const seen = new Set<string>();
  const examples: ArithmeticExample[] = [];
  const maxAttempts = 100 * options.count + 1000;
  for (let attempt = 0; examples.length < options.count; attempt++) {
    if (attempt >= maxAttempts) throw new Error(`generateCorpus: could not find ${options.count} distinct ${split} problems`);
    const problem = generateProblem(rng);
    const key = `${problem.op}:${problem.a}:${problem.b}`;
    if (splitOf(problem) !== split || seen.has(key)) continue;
    seen.add(key);
    examples.push({ prompt: formatPrompt(problem, rng), completion: solveStepByStep(problem), answer: answerOf(problem) });
  }
  return examples;
}

/**
 * Reads a prompt in any of the phrasings (and close variants), independently of the generator:
 * the judge must not trust the code it is checking.
 */
export function parseProblem(prompt: string): ArithmeticProblem | null {
  const text = prompt.replace(/[−–]/g, '-');
  const patterns: Array<{ re: RegExp; build: (m: RegExpMatchArray) => ArithmeticProblem }> = [
    { re: /\badd\s+(\d+)\s+(?:and|to)\s+(\d+)/i, build: (m) => ({ op: '+', a: Number(m[1]), b: Number(m[2]) }) },
    { re: /\bsubtract\s+(\d+)\s+from\s+(\d+)/i, build: (m) => ({ op: '-', a: Number(m[2]), b: Number(m[1]) }) },
    { re: /\bmultiply\s+(\d+)\s+(?:by|and)\s+(\d+)/i, build: (m) => ({ op: '*', a: Number(m[1]), b: Number(m[2]) }) },
    { re: /(\d+)\s*(\+|-|\*|×|x|plus|minus|times)\s*(\d+)/i, build: (m) => ({ op: operationOf(m[2]), a: Number(m[1]), b: Number(m[3]) }) },
  ];
  for (const { re, build } of patterns) {
    const match = text.match(re);
    if (match) return build(match);
  }
  return null;
}

/** Judges a completion for a prompt: exact integer answer after the final "Answer:". */
export function judge(prompt: string, completion: string): Judgement {
  const problem = parseProblem(prompt);
  const expected = problem ? answerOf(problem) : null;
  const answers = [...completion.matchAll(/Answer:\s*(-?\d+)/g)];
  const got = answers.length > 0 ? Number(answers[answers.length - 1][1]) : null;
  // Well formed: one answer, at the very end (a trailing period or whitespace is tolerated).
  const wellFormed = answers.length === 1 && /Answer:\s*-?\d+\.?\s*$/.test(completion);
  const correct = wellFormed && expected !== null && got === expected;
  return { correct, expected, got, wellFormed, score: correct ? 1 : wellFormed && expected !== null ? 0.2 : 0 };
}

function operationOf(token: string): Operation {
  switch (token.toLowerCase()) {
    case '+':
    case 'plus':
      return '+';
    case '-':
    case 'minus':
      return '-';
    default:
      return '*';
  }
}

function randomOperand(rng: Rng): number {
  const digits = randomInt(rng, 1, 3);
  return digits === 1 ? randomInt(rng, 0, 9) : randomInt(rng, 10 ** (digits - 1), 10 ** digits - 1);
}

/** Decimal digits, units first. */
function digitsOf(n: number): number[] {
  return String(n).split('').reverse().map(Number);
}

function addSteps(a: number, b: number): string[] {
  const da = digitsOf(a);
  const db = digitsOf(b);
  const columns = Math.max(da.length, db.length);
  const steps: string[] = [];
  let carry = 0;
  for (let i = 0; i < columns; i++) {
    const x = da[i] ?? 0;
    const y = db[i] ?? 0;
    const sum = x + y + carry;
    const expr = `${x} + ${y}${carry ? ` + ${carry}` : ''} = ${sum}`;
    const isLast = i === columns - 1;
    steps.push(isLast ? `${expr}.` : sum >= 10 ? `${expr}, write ${sum % 10} carry 1.` : `${expr}, write ${sum}.`);
    carry = sum >= 10 ? 1 : 0;
  }
  return steps;
}

function subtractSteps(a: number, b: number): string[] {
  const da = digitsOf(a);
  const db = digitsOf(b);
  const steps: string[] = [];
  let borrow = 0;
  for (let i = 0; i < da.length; i++) {
    const x = da[i];
    const y = db[i] ?? 0;
    const less = borrow ? ' - 1' : '';
    const value = x - y - borrow;
    const isLast = i === da.length - 1;
    if (value < 0) {
      steps.push(`${x} - ${y}${less} < 0, borrow 1: 1${x} - ${y}${less} = ${value + 10}, write ${value + 10}.`);
      borrow = 1;
    } else {
      steps.push(isLast ? `${x} - ${y}${less} = ${value}.` : `${x} - ${y}${less} = ${value}, write ${value}.`);
      borrow = 0;
    }
  }
  return steps;
}

function multiplySteps(a: number, digit: number): string[] {
  const da = digitsOf(a);
  const steps: string[] = [];
  let carry = 0;
  for (let i = 0; i < da.length; i++) {
    const product = da[i] * digit + carry;
    const expr = `${da[i]} * ${digit}${carry ? ` + ${carry}` : ''} = ${product}`;
    const isLast = i === da.length - 1;
    steps.push(isLast ? `${expr}.` : product >= 10 ? `${expr}, write ${product % 10} carry ${Math.floor(product / 10)}.` : `${expr}, write ${product}.`);
    carry = Math.floor(product / 10);
  }
  return steps;
}

/** 32-bit FNV-1a: a stable hash for the train/heldout split. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
