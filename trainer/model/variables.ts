/**
 * Creating the model's variables, and telling base weights from PEFT parameters.
 *
 * Base variables are left unnamed on purpose: tfjs registers variable names globally and throws on
 * a duplicate, which would forbid two models in one process (policy + frozen reference in DPO).
 * Checkpoint names come from the model's structure instead (transformer.ts namedWeights).
 *
 * PEFT parameters (LoRA A/B, prompt-tuning embeddings, prefixes) are named `peft/<kind>/<n>` with a
 * process-wide counter, so names stay unique. The name is how the optimizer recognises them from
 * the variable alone (`createAdamW(cfg, trainableVariables(model, peft))` exempts them from weight
 * decay, see trainer/train/optimizer.ts): a property of the variable, not a setting held elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';

const PEFT_PREFIX = 'peft/';
let nextPeftId = 0;

/**
 * A trainable, unnamed variable from an initialiser. The initial tensor is made inside a tidy so it
 * is freed once the variable holds its data (tf.variable adds a reference, it does not take one).
 */
export function createVariable(init: () => tf.Tensor, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable));
}

/** A trainable PEFT parameter, e.g. kind 'lora_a', 'prompt_tuning', 'prefix_keys'. */
export function createPeftVariable(kind: string, init: () => tf.Tensor): tf.Variable {
  const name = `${PEFT_PREFIX}${kind}/${nextPeftId++}`;
  return tf.tidy(() => tf.variable(init(), true, name));
}

/** True for variables made by createPeftVariable. */
export function isPeftVariable(variable: tf.Variable): boolean {
  return variable.name.startsWith(PEFT_PREFIX);
}
