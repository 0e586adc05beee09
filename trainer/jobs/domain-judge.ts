/**
 * Where a program can judge answers: the built-in model's arithmetic domain. A set of prompts is
 * judged when the domain's parser reads at least 90% of them; the judgement is 1 for a correct
 * answer, else 0 (judged quality = fraction correct). Shared by rounds and evaluate jobs.
 */
import { judge as judgeArithmetic, parseProblem } from '../domain/arithmetic';
import type { JudgeFn } from '../train/evaluate';

export function builtinJudgeFor(promptTexts: string[]): JudgeFn | undefined {
  const readable = promptTexts.filter((t) => parseProblem(t) !== null).length;
  if (promptTexts.length === 0 || readable < 0.9 * promptTexts.length) return undefined;
  return (prompt, completion) => (judgeArithmetic(prompt, completion).correct ? 1 : 0);
}
