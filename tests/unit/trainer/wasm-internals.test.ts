import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { batchMatMul, canUseFastWasmKernels, ensureWasmKernels, wasmInternalsProblems } from '@/trainer/model/ops';

/** The real backend seen through a proxy that replaces some members: a simulated version mismatch. */
function patchedBackend(overrides: Record<string, unknown>): object {
  const real = tf.backend();
  return new Proxy(real, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('wasm internals check', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('finds nothing wrong with the pinned tfjs-backend-wasm, and the fast kernels stay on', () => {
    expect(wasmInternalsProblems(tf.backend())).toEqual([]);
    const log = vi.fn();
    expect(canUseFastWasmKernels(tf.backend(), log)).toBe(true);
    expect(log).not.toHaveBeenCalled();
  });

  it('names each mismatch', () => {
    const real = tf.backend() as unknown as { makeOutput: (...args: unknown[]) => unknown; wasm: Record<string, unknown> };
    expect(wasmInternalsProblems(null)).toEqual(['the backend is not an object']);
    expect(wasmInternalsProblems(patchedBackend({ makeOutput: (shape: number[], dtype: tf.DataType) => real.makeOutput(shape, dtype) }))).toEqual([
      'makeOutput(shape, dtype, memoryOffset) takes 2 parameters, expected at least 3',
    ]);
    expect(wasmInternalsProblems(patchedBackend({ wasm: { ...real.wasm, _BatchMatMul: undefined } }))).toEqual(['wasm._BatchMatMul (the C kernel) is not a function']);
    expect(wasmInternalsProblems(patchedBackend({ dataIdMap: { get: (_: unknown) => ({ id: 1 }), delete: (_: unknown) => true } }))).toEqual(['dataIdMap entries lack an integer id and memoryOffset']);
  });

  it('on a mismatch logs one line once and computes batched products with the stock kernel', () => {
    const real = tf.backend() as unknown as { makeOutput: (...args: unknown[]) => tf.TensorInfo };
    // A makeOutput that lost its memoryOffset parameter: the sliced kernel's views would be new buffers.
    const broken = patchedBackend({ makeOutput: (shape: number[], dtype: tf.DataType) => real.makeOutput(shape, dtype) });
    const log = vi.fn();
    expect(canUseFastWasmKernels(broken, log)).toBe(false);
    expect(canUseFastWasmKernels(broken, log)).toBe(false);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toMatch(/^\[trainer\] tfjs-backend-wasm internals differ .*makeOutput.*: using the stock kernels/);

    ensureWasmKernels();
    const kernel = tf.getKernel('FeedloopSlicedMatMul', 'wasm');
    expect(kernel).toBeDefined();
    const a = tf.randomNormal([3, 40, 32], 0, 1, 'float32', 1) as tf.Tensor3D;
    const b = tf.randomNormal([3, 32, 24], 0, 1, 'float32', 2) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    // The kernel as the engine would call it, but on the mismatched backend: the stock fallback.
    const info = kernel!.kernelFunc({ inputs: { a, b }, backend: broken as tf.KernelBackend, attrs: {} }) as tf.TensorInfo;
    const got = tf.engine().makeTensorFromTensorInfo(info);
    const want = tf.matMul(a, b);
    const fast = batchMatMul(a, b); // the real backend still takes the fast path
    const maxDiff = (x: tf.Tensor, y: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]);
    expect(maxDiff(got, want)).toBeLessThan(1e-4);
    expect(maxDiff(fast, want)).toBeLessThan(1e-4);
    tf.dispose([got, want, fast]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
