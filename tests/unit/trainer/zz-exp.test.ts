import path from 'node:path';
import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { encodeChat } from '@/trainer/model/chat-template';
import { loadModel } from '@/trainer/model/model-checkpoint';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { forward, forwardWithCache, disposeKVCache, type GPT } from '@/trainer/model/transformer';
import { generateCorpus } from '@/trainer/domain/arithmetic';

const DIR = path.join(__dirname, '..', '..', '..', 'trainer', 'assets', 'base-model');
function kl(model: GPT, ids: tf.Tensor2D, base: tf.Tensor): number {
  return tf.tidy(() => {
    const lp = tf.logSoftmax(forward(model, ids, { training: false }));
    const lb = tf.logSoftmax(base);
    const k = tf.mean(tf.sum(tf.mul(tf.exp(lb), tf.sub(lb, lp)), -1), 0).dataSync();
    const mean = (a: number, b: number) => Array.from(k).slice(a, b).reduce((s, x) => s + x, 0) / (b - a);
    return [mean(0, k.length), mean(0, 4), mean(4, 20), mean(20, k.length)].map((x) => x.toFixed(3)).join(' ') as unknown as number;
  });
}
it('exp', async () => {
  await useBackend('wasm');
  const { model } = await loadModel(DIR);
  const tok = createTokenizer('byte');
  const ex = generateCorpus({ count: 6, seed: 5, split: 'heldout' });
  const seqs = ex.map((e) => encodeChat(tok, [{ role: 'user', content: e.prompt }, { role: 'assistant', content: e.completion }]).ids);
  const L = Math.min(...seqs.slice(0, 4).map((s) => s.length), 60);
  const evalIds = tf.tensor2d(seqs.slice(0, 4).map((s) => s.slice(0, L)), undefined, 'int32');
  const base = forward(model, evalIds, { training: false });
  const P = Number(process.env.P ?? 8);
  const { nLayer, nHead } = model.config;
  const hd = model.config.dModel / nHead;
  const setPrefix = (make: (l: number, kind: 'k' | 'v') => tf.Tensor) => {
    model.prefixTuning = { keys: [], values: [] };
    for (let l = 0; l < nLayer; l++) {
      model.prefixTuning.keys.push(tf.variable(make(l, 'k')));
      model.prefixTuning.values.push(tf.variable(make(l, 'v')));
    }
  };
  const clear = () => { for (const v of [...model.prefixTuning!.keys, ...model.prefixTuning!.values]) v.dispose(); model.prefixTuning = null; };
  setPrefix(() => tf.randomNormal([nHead, P, hd], 0, 0.02, 'float32', 1));
  console.log('random', kl(model, evalIds, base)); clear();
  setPrefix(() => tf.zeros([nHead, P, hd]));
  console.log('zeros', kl(model, evalIds, base)); clear();
  const fromSeq = (ids: number[], positions: number[]) => {
    const { hidden, cache } = forwardWithCache(model, tf.tensor2d([ids], undefined, 'int32'), null, null);
    const pos = tf.tensor1d(positions, 'int32');
    setPrefix((l, kind) => tf.tidy(() => tf.gather(tf.squeeze(kind === 'k' ? cache.layers[l].keys : cache.layers[l].values, [0]), pos, 1)));
    hidden.dispose(); disposeKVCache(cache); pos.dispose();
  };
  const other = seqs[5];
  const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);
  for (const [label, positions] of [['first', range(0, P)], ['last', range(other.length - P, P)], ['mid', range(10, P)], ['spread', range(0, P).map((i) => Math.floor(i * other.length / P))], ['bos-only-repeat', Array(P).fill(0)], ['last1-repeat', Array(P).fill(other.length - 1)]] as const) {
    fromSeq(other, positions as number[]);
    console.log(label, kl(model, evalIds, base)); clear();
  }
  const train = generateCorpus({ count: 16, seed: 9, split: 'train' }).map((e) => encodeChat(tok, [{ role: 'user', content: e.prompt }, { role: 'assistant', content: e.completion }]).ids);
  const meanOf = (seqList: number[][], positions: number[]) => {
    const Lm = Math.min(...seqList.map((q) => q.length));
    const { hidden, cache } = forwardWithCache(model, tf.tensor2d(seqList.map((q) => q.slice(0, Lm)), undefined, 'int32'), null, null);
    const pos = tf.tensor1d(positions, 'int32');
    setPrefix((l, kind) => tf.tidy(() => tf.gather(tf.mean(kind === 'k' ? cache.layers[l].keys : cache.layers[l].values, 0), pos, 1)));
    hidden.dispose(); disposeKVCache(cache); pos.dispose();
  };
  meanOf(train, range(0, P)); console.log('mean-first', kl(model, evalIds, base)); clear();
  const generic = ['Hello! Could you help me with a question?', 'Please answer the following question.', 'What is the answer to this question?', 'Can you explain how to solve this?'].map((t) => encodeChat(tok, [{ role: 'user', content: t }]).ids);
  meanOf(generic, range(0, P)); console.log('generic', kl(model, evalIds, base)); clear();
  meanOf(train.slice(0, 4), range(0, P)); console.log('mean4-first', kl(model, evalIds, base)); clear();
  meanOf(train, range(0, P).map((i) => Math.floor(i * 40 / P))); console.log('mean-spread40', kl(model, evalIds, base)); clear();
  // self-generated from bos greedy
  const gen = [tok.bos, tok.special.user];
  for (let i = 0; i < 40; i++) {
    const next = tf.tidy(() => { const lg = forward(model, tf.tensor2d([gen], undefined, 'int32'), { training: false }); return tf.argMax(tf.squeeze(tf.slice(lg, [0, gen.length - 1, 0], [1, 1, -1])), -1).dataSync()[0]; });
    gen.push(next);
  }
  console.log(JSON.stringify(tok.decode(gen)));
  for (const [label, positions] of [['gen-first', range(0, P)]] as const) {
    fromSeq(gen, positions as number[]);
    console.log(label, kl(model, evalIds, base)); clear();
  }
});
