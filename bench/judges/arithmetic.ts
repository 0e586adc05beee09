/**
 * The default judge of bench:loop: the built-in domain's program judge. 1 for a correct answer,
 * 0.2 for a well-formed wrong one, 0 otherwise (trainer/domain/README.md).
 *
 * A judge module for `npm run bench:loop -- --judge <path>` exports
 *   judge(prompt: string, completion: string): number   // 0..1, higher is better
 * and optionally `name`. Simulated annotators prefer the completion it scores higher (equal scores:
 * a tie), and with probability --noise answer A or B at random instead.
 */
import { judge as judgeArithmetic } from '../../trainer/domain/arithmetic';

export const name = 'arithmetic (built-in domain)';

export function judge(prompt: string, completion: string): number {
  return judgeArithmetic(prompt, completion).score;
}
