/**
 * Optimizer parameter groups derived from a model and its PEFT config: which trainable variables
 * get weight decay. The same split as the optimizer's default rule (optimizer.ts), derived here
 * from the model's structure rather than from variable names, for callers that want the groups
 * explicit, e.g. to give adapters a decay of their own:
 *
 *   const groups = paramGroups(model, peft, { weightDecay: 0.1 });
 *   const optimizer = createAdamW({ learningRate }, [], { groups });
 */
import type * as tf from '@tensorflow/tfjs-core';
import { adapterVariables, trainableVariables, type PeftConfig } from '../model/peft';
import type { GPT } from '../model/transformer';
import type { ParamGroup } from './optimizer';

export type ParamGroupOptions = {
  /** Decay of base matrices (default: the optimizer config's weightDecay). */
  weightDecay?: number;
  /** Decay of PEFT parameters: LoRA A/B, virtual tokens, prefixes (default 0). */
  adapterWeightDecay?: number;
};

/**
 * Groups 'decay' (base matrices: linear weights, embeddings), 'no_decay' (LayerNorm gains and
 * biases) and 'adapters' (PEFT parameters), over exactly the variables `peft` trains. Empty
 * groups are left out.
 */
export function paramGroups(model: GPT, peft: PeftConfig, options: ParamGroupOptions = {}): ParamGroup[] {
  const adapters = new Set(adapterVariables(model));
  const decay: tf.Variable[] = [];
  const noDecay: tf.Variable[] = [];
  const peftVars: tf.Variable[] = [];
  for (const v of trainableVariables(model, peft)) {
    if (adapters.has(v)) peftVars.push(v);
    else if (v.rank >= 2) decay.push(v);
    else noDecay.push(v);
  }
  const groups: ParamGroup[] = [
    { name: 'decay', variables: decay, weightDecay: options.weightDecay },
    { name: 'no_decay', variables: noDecay, weightDecay: 0 },
    { name: 'adapters', variables: peftVars, weightDecay: options.adapterWeightDecay ?? 0 },
  ];
  return groups.filter((g) => g.variables.length > 0);
}
