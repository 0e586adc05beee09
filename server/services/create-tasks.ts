/**
 * How a prompt's completions become tasks: consecutive groups of the project's completions per
 * task, each shown in an order drawn with crypto randomness (Fisher-Yates over crypto.randomInt).
 * The order is stored with the task, so position bias stays measurable.
 */
import { shuffleWithCrypto } from '../jobs/display-order';

export { shuffleWithCrypto };

/** Why a prompt with this many completions cannot be split into tasks, or null when it can. */
export function findCompletionCountProblem(completionCount: number, completionsPerTask: number): string | null {
  const has = `has ${completionCount} completion${completionCount === 1 ? '' : 's'}`;
  if (completionCount < completionsPerTask) return `${has}, but this project shows ${completionsPerTask} per task`;
  if (completionCount % completionsPerTask !== 0) {
    return `${has}, which do not split into tasks of ${completionsPerTask} (use a multiple of ${completionsPerTask})`;
  }
  return null;
}

/** Consecutive groups of `completionsPerTask`, each in a freshly shuffled display order. */
export function groupIntoTasks<T>(completions: readonly T[], completionsPerTask: number): T[][] {
  const problem = findCompletionCountProblem(completions.length, completionsPerTask);
  if (problem) throw new Error(problem);
  const groups: T[][] = [];
  for (let start = 0; start < completions.length; start += completionsPerTask) {
    groups.push(shuffleWithCrypto(completions.slice(start, start + completionsPerTask)));
  }
  return groups;
}
