import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './setup-backend';
import { BUILTIN_CONFIG } from '@/trainer/model/config';
import { encodePrompt } from '@/trainer/model/chat-template';
import { loadModel } from '@/trainer/model/model-checkpoint';
import { sample } from '@/trainer/model/sample';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { disposeGPT, type GPT } from '@/trainer/model/transformer';
import { judge } from '@/trainer/domain/arithmetic';

const BASE_MODEL_DIR = path.join(__dirname, '..', '..', '..', 'trainer', 'assets', 'base-model');

describe('the committed built-in base model', () => {
  let model: GPT;
  beforeAll(async () => {
    await useBackend('wasm');
    const loaded = await loadModel(BASE_MODEL_DIR);
    expect(loaded.manifest.kind).toBe('policy');
    expect(loaded.manifest.architecture).toEqual(BUILTIN_CONFIG);
    model = loaded.model;
  });
  afterAll(() => model && disposeGPT(model));

  it('answers held-out style questions in the domain format, and the judge reads every answer', async () => {
    const tok = createTokenizer('byte');
    const prompts = ['What is 47 + 38?', 'Calculate 352 - 117.', 'Multiply 64 by 7.'];
    const samples = await sample(
      model,
      tok,
      prompts.map((p) => encodePrompt(tok, p)),
      { maxNewTokens: 160, temperature: 0 },
    );
    for (const [i, [s]] of samples.entries()) {
      expect(s.finishReason).toBe('eos');
      expect(s.text).toMatch(/ = .*Answer: \d+$/);
      const verdict = judge(prompts[i], s.text);
      expect(verdict.expected).not.toBeNull();
      expect(verdict.wellFormed).toBe(true);
      expect(verdict.got).not.toBeNull();
    }
  });
});
