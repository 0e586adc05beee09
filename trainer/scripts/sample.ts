/**
 * Asks the built-in base model (or any checkpoint) questions and shows its answers with the
 * judge's verdict.
 *
 *   npm run model:sample                                   # five held-out questions, greedy
 *   npm run model:sample -- "What is 47 + 38?"             # your own question
 *   npm run model:sample -- --temperature 0.8 --n 3 "Compute 93 - 47."
 *   npm run model:sample -- --checkpoint path/to/dir "..."
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../model/backend';
import { encodePrompt } from '../model/chat-template';
import { loadModel } from '../model/model-checkpoint';
import { sample } from '../model/sample';
import { createTokenizer } from '../model/tokenizer';
import { disposeGPT } from '../model/transformer';
import { generateCorpus, judge } from '../domain/arithmetic';

const BASE_MODEL_DIR = path.resolve(__dirname, '../assets/base-model');

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      checkpoint: { type: 'string', default: BASE_MODEL_DIR },
      temperature: { type: 'string', default: '0' },
      n: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      'max-new-tokens': { type: 'string', default: '120' },
    },
  });
  await selectBackend();
  const { model, manifest } = await loadModel(values.checkpoint);
  const tokenizer = createTokenizer(manifest.tokenizer);
  const questions = positionals.length > 0 ? positionals : generateCorpus({ count: 5, seed: 2026, split: 'heldout' }).map((e) => e.prompt);
  const started = Date.now();
  const results = await sample(
    model,
    tokenizer,
    questions.map((q) => encodePrompt(tokenizer, q)),
    { maxNewTokens: Number(values['max-new-tokens']), temperature: Number(values.temperature), n: Number(values.n), seed: Number(values.seed) },
  );
  let tokens = 0;
  questions.forEach((question, i) => {
    console.log(`\nQ: ${question}`);
    for (const answer of results[i]) {
      tokens += answer.tokens.length;
      const verdict = judge(question, answer.text);
      const mark = verdict.expected === null ? '' : verdict.correct ? '  [correct]' : `  [wrong: expected ${verdict.expected}]`;
      console.log(`A: ${answer.text.trim()}${mark}`);
    }
  });
  console.log(`\n${tokens} tokens in ${Date.now() - started} ms (checkpoint step ${manifest.step}, ${path.relative(process.cwd(), values.checkpoint) || '.'})`);
  disposeGPT(model);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
