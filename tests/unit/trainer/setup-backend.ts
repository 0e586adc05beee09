/**
 * Shared backend setup for the trainer unit tests: `await useBackend()` in a beforeAll.
 * Unit tests run on wasm (what the product uses here); float-tolerance tests may ask for cpu.
 * selectBackend is idempotent, so calling this from every describe block costs nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@/trainer/model/backend';

export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  await selectBackend({ forced: name, log: () => {} });
  await tf.ready();
}
