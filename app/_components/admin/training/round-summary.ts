/** A round in a few words: its method and PEFT mode, and how long it ran (or has been running). */
import { isRecord } from './training-json';

const METHOD_WORDS: Record<string, string> = { sft: 'SFT', dpo: 'DPO', rl: 'Online RL' };
const PEFT_WORDS: Record<string, string> = { lora: 'LoRA', qlora: 'QLoRA', prompt: 'prompt tuning', prefix: 'prefix tuning' };

/** "DPO · LoRA" from the stored round form; full fine-tuning goes unsaid. */
export function describeRoundConfig(config: unknown): string {
  if (!isRecord(config)) return '—';
  const method = typeof config.method === 'string' ? (METHOD_WORDS[config.method] ?? config.method) : '—';
  const peft = isRecord(config.peft) && typeof config.peft.method === 'string' && config.peft.method !== 'full' ? ` · ${PEFT_WORDS[config.peft.method] ?? config.peft.method}` : '';
  return method + peft;
}

export function roundDurationMs(run: { startedAt: Date | null; finishedAt: Date | null }): number | null {
  if (!run.startedAt) return null;
  return (run.finishedAt ?? new Date()).getTime() - run.startedAt.getTime();
}
