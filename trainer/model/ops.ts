/**
 * Tensor operations shaped for the backends the trainer runs on.
 *
 * Why a custom matmul gradient: on the wasm backend only a plain 2-D product with no transpose
 * flag reaches the fast XNNPACK kernel; tf.matMul's built-in gradient uses transpose flags and
 * falls back to a scalar loop (~20x slower). Writing the gradient with explicit tf.transpose keeps
 * every product of a training step on the fast path (measured: 6-7x faster steps). On backends
 * without this trap (tensorflow, cpu) the same code is merely equivalent.
 *
 * Why two small wasm kernels of our own (registered lazily, wasm only):
 * - `FeedloopSlicedMatMul`: a batched product [N, M, K] @ [N, K, P] is, on wasm, a scalar loop
 *   (~3 GFLOP/s here) whatever the flags. Splitting it with tf.unstack is no better: the wasm Slice
 *   kernel copies the whole input heap buffer for every slice (120 ms to unstack a [32, 320, 320]
 *   tensor). The kernel instead points XNNPACK at each slice in place (a tensor id registered on
 *   an offset inside the input's heap buffer, no copy) and runs N plain products at 16-28 GFLOP/s.
 *   It reaches into BackendWasm internals of the pinned @tensorflow/tfjs-backend-wasm 4.22.0,
 *   which are checked at run time (wasmInternalsProblems); on a mismatch the stock kernels run.
 * - `UnsortedSegmentSum`: the gradient of tf.gather needs it and wasm lacks it. Only used for
 *   embedding tables too large for the one-hot product (see embedRows).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * a @ b for 2-D tensors as a kernel of our own, `FeedloopMatMul`: its forward is the backend's
 * stock BatchMatMul with no transpose flags, and its registered gradient is
 *   da = dy @ transpose(b),  db = transpose(a) @ dy
 * with explicit transposes, so on wasm every product stays on XNNPACK. A registered gradient
 * (rather than tf.customGrad) is computed per input and lazily: the engine skips db when b is
 * not trained, e.g. a frozen base weight under LoRA, which saves a third of the backward matmuls.
 */
const MATMUL = 'FeedloopMatMul';
let matMulGradientRegistered = false;

function ensureMatMulKernel(): void {
  const backendName = tf.getBackend();
  if (!tf.getKernel(MATMUL, backendName)) {
    const stock = tf.getKernel('BatchMatMul', backendName);
    if (!stock) throw new Error(`matMul2d: backend ${backendName} has no BatchMatMul kernel`);
    tf.registerKernel({
      kernelName: MATMUL,
      backendName,
      kernelFunc: ({ inputs, backend }) => stock.kernelFunc({ inputs, backend, attrs: { transposeA: false, transposeB: false } }),
    });
  }
  if (!matMulGradientRegistered) {
    tf.registerGradient({
      kernelName: MATMUL,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved as tf.Tensor2D[];
        const g = dy as tf.Tensor2D;
        return {
          a: () => tf.matMul(g, tf.transpose(b)), // [M, N] @ [N, K]
          b: () => tf.matMul(tf.transpose(a), g), // [K, M] @ [M, N]
        };
      },
    });
    matMulGradientRegistered = true;
  }
}

/** a @ b for 2-D tensors, with a gradient that stays on the fast kernel. a: [M, K], b: [K, N] -> [M, N]. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  tf.util.assert(a.rank === 2 && b.rank === 2 && a.shape[1] === b.shape[0], () => `matMul2d: shapes [${a.shape}] and [${b.shape}] do not chain`);
  ensureMatMulKernel();
  return tf.engine().runKernel(MATMUL, { a, b }, {}) as tf.Tensor2D;
}

/** x @ w over the last axis of x. x: [..., K], w: [K, N] -> [..., N]. */
export function matMulLast(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const [k, n] = w.shape;
    const lead = x.shape.slice(0, -1);
    const y = matMul2d(tf.reshape(x, [-1, k]) as tf.Tensor2D, w);
    return tf.reshape(y, [...lead, n]);
  });
}

/**
 * x @ W over the last axis of x, for a frozen W that `rebuild` makes on demand (a quantized base
 * dequantised from its codes: QLoRA). x: [..., K], W: [K, N] -> [..., N].
 *
 * Why a custom gradient: W's construction (unpacking codes, a one-hot code-book lookup, block
 * scaling) would otherwise run under gradient recording, and every op on the way would keep its
 * inputs for a backward pass that never needs them (W is frozen), several times the weight's
 * float size per layer until backward. Inside tf.customGrad's forward nothing is recorded, so
 * only what the gradient needs is kept: nothing at all, since dx = dy @ W^T rebuilds W (the same
 * trade bitsandbytes makes for 4-bit weights: dequantise again rather than store a float copy).
 * There is no gradient for W or its codes.
 */
export function matMulLastFrozen(x: tf.Tensor, rebuild: () => tf.Tensor2D, shape: [number, number]): tf.Tensor {
  const [k, n] = shape;
  const frozenProduct = tf.customGrad(((x2d: tf.Tensor, _save: tf.GradSaveFunc) => ({
    value: matMul2d(x2d as tf.Tensor2D, rebuild()),
    // [M, N] @ [N, K], explicit transpose so the product stays on the fast kernel (see above)
    gradFunc: (dy: tf.Tensor) => [tf.tidy(() => tf.matMul(dy as tf.Tensor2D, tf.transpose(rebuild())))],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const y = frozenProduct(tf.reshape(x, [-1, k])) as tf.Tensor;
    return tf.reshape(y, [...lead, n]);
  });
}

// ---------------------------------------------------------------------------------------------
// Batched matmul with fast kernels and gradients on wasm

const SLICED_MATMUL = 'FeedloopSlicedMatMul';
/** Below this many multiply-adds per slice, XNNPACK's weight packing costs more than the scalar loop. */
const MIN_SLICE_MACS = 16_384;

/**
 * The parts of BackendWasm (tfjs-backend-wasm 4.22.0) the two kernels use. Declared here rather
 * than imported because the package's own typings hide `dataIdMap` ids and the Emscripten module.
 */
type WasmBackendInternals = {
  dataIdMap: {
    get(dataId: tf.DataId): { id: number; memoryOffset: number } | undefined;
    delete(dataId: tf.DataId): boolean;
  };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  wasm: {
    cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
    tfjs: { disposeData(id: number): void };
  };
};

/**
 * What the two kernels need of BackendWasm, checked on the object itself: a newer
 * @tensorflow/tfjs-backend-wasm may rename or reshape these private members, and the kernels would
 * then corrupt memory or throw deep inside a training step. Returns one line per mismatch (none
 * when everything is as in 4.22.0). Besides the members' presence and arity it checks, on a small
 * tensor of the active backend, that `dataIdMap` entries carry the heap id and offset and that
 * `typedArrayFromHeap` reads the tensor's values at that offset.
 */
export function wasmInternalsProblems(backend: unknown): string[] {
  const problems: string[] = [];
  const member = (owner: unknown, key: string): unknown => (owner !== null && typeof owner === 'object' ? (owner as Record<string, unknown>)[key] : undefined);
  const expectFunction = (owner: unknown, key: string, label: string, minArity = 0) => {
    const fn = member(owner, key);
    if (typeof fn !== 'function') problems.push(`${label} is not a function`);
    else if (fn.length < minArity) problems.push(`${label} takes ${fn.length} parameters, expected at least ${minArity}`);
  };
  if (backend === null || typeof backend !== 'object') return ['the backend is not an object'];
  const dataIdMap = member(backend, 'dataIdMap');
  expectFunction(dataIdMap, 'get', 'dataIdMap.get', 1);
  expectFunction(dataIdMap, 'delete', 'dataIdMap.delete', 1);
  expectFunction(backend, 'makeOutput', 'makeOutput(shape, dtype, memoryOffset)', 3);
  expectFunction(backend, 'typedArrayFromHeap', 'typedArrayFromHeap', 1);
  const wasm = member(backend, 'wasm');
  // cwrap and the C bindings are variadic wrappers (length 0): only their presence can be checked.
  expectFunction(wasm, 'cwrap', 'wasm.cwrap');
  expectFunction(wasm, '_BatchMatMul', 'wasm._BatchMatMul (the C kernel)');
  expectFunction(member(wasm, 'tfjs'), 'disposeData', 'wasm.tfjs.disposeData');
  if (!(member(wasm, 'HEAPU8') instanceof Uint8Array)) problems.push('wasm.HEAPU8 is not a Uint8Array');
  if (problems.length > 0) return problems;
  const internals = backend as WasmBackendInternals & { wasm: { HEAPU8: Uint8Array } };
  const probe = tf.tensor1d([1.5, -2, 3.25]);
  try {
    const entry = internals.dataIdMap.get(probe.dataId);
    if (!entry || !Number.isInteger(entry.id) || !Number.isInteger(entry.memoryOffset)) {
      problems.push('dataIdMap entries lack an integer id and memoryOffset');
    } else {
      const heap = new Float32Array(internals.wasm.HEAPU8.buffer, entry.memoryOffset, 3);
      const view = internals.typedArrayFromHeap(probe);
      if (!(view instanceof Float32Array) || [0, 1, 2].some((i) => view[i] !== heap[i] || heap[i] !== [1.5, -2, 3.25][i])) {
        problems.push('typedArrayFromHeap does not read a tensor at its memoryOffset');
      }
    }
  } catch (error) {
    problems.push(`probing a tensor failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    probe.dispose();
  }
  return problems;
}

const fastKernelsByBackend = new WeakMap<object, boolean>();

/**
 * Whether the two kernels may run on this backend object; decided once per backend. On a mismatch
 * it logs one line and the callers use the stock kernels instead (tf.matMul for batched products,
 * the one-hot product for embeddings): slower, still correct.
 */
export function canUseFastWasmKernels(backend: object, log: (line: string) => void = console.log): boolean {
  const known = fastKernelsByBackend.get(backend);
  if (known !== undefined) return known;
  const problems = wasmInternalsProblems(backend);
  const usable = problems.length === 0;
  if (!usable) {
    log(`[trainer] tfjs-backend-wasm internals differ from 4.22.0 (${problems.join('; ')}): using the stock kernels for batched matmuls and embeddings`);
  }
  fastKernelsByBackend.set(backend, usable);
  return usable;
}

const wasmMatMulByBackend = new WeakMap<object, (...args: unknown[]) => void>();

function wasmBatchMatMulFn(backend: WasmBackendInternals): (...args: unknown[]) => void {
  let fn = wasmMatMulByBackend.get(backend);
  if (!fn) {
    // Same C entry point and argument list as the stock BatchMatMul kernel of tfjs-backend-wasm.
    fn = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
    wasmMatMulByBackend.set(backend, fn);
  }
  return fn;
}

function slicedMatMulKernel(args: { inputs: tf.NamedTensorInfoMap; backend: object }): tf.TensorInfo {
  const { a, b } = args.inputs;
  if (!a || !b) throw new Error(`${SLICED_MATMUL}: inputs a and b are required`);
  if (!canUseFastWasmKernels(args.backend)) {
    // The stock batched product: a scalar loop on wasm, but it needs none of the internals.
    const stock = tf.getKernel('BatchMatMul', 'wasm');
    if (!stock) throw new Error(`${SLICED_MATMUL}: the wasm backend has no BatchMatMul kernel`);
    return stock.kernelFunc({ inputs: { a, b }, backend: args.backend as tf.KernelBackend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
  }
  const backend = args.backend as WasmBackendInternals;
  const [n, m, k] = a.shape;
  const p = b.shape[2];
  const out = backend.makeOutput([n, m, p], 'float32');
  const matMul = wasmBatchMatMulFn(backend);
  const offsetOf = (t: tf.TensorInfo) => {
    const data = backend.dataIdMap.get(t.dataId);
    if (!data) throw new Error(`${SLICED_MATMUL}: tensor not on the wasm heap`);
    return data.memoryOffset;
  };
  const [aBase, bBase, outBase] = [offsetOf(a), offsetOf(b), offsetOf(out)];
  const aShape = new Uint8Array(new Int32Array([1, m, k]).buffer);
  const bShape = new Uint8Array(new Int32Array([1, k, p]).buffer);
  // A view is a tensor id registered on an address inside an existing buffer. It is unregistered
  // by hand afterwards: backend.disposeData would free() an interior pointer.
  const views: tf.TensorInfo[] = [];
  const view = (base: number, offsetElements: number, shape: number[]) => {
    const info = backend.makeOutput(shape, 'float32', base + offsetElements * 4);
    views.push(info);
    const data = backend.dataIdMap.get(info.dataId);
    if (!data) throw new Error(`${SLICED_MATMUL}: view was not registered`);
    return data.id;
  };
  try {
    for (let i = 0; i < n; i++) {
      const aId = view(aBase, i * m * k, [1, m, k]);
      const bId = view(bBase, i * k * p, [1, k, p]);
      const outId = view(outBase, i * m * p, [1, m, p]);
      matMul(aId, aShape, 3, bId, bShape, 3, false, false, outId);
    }
  } finally {
    for (const info of views) {
      const data = backend.dataIdMap.get(info.dataId);
      backend.dataIdMap.delete(info.dataId);
      if (data) backend.wasm.tfjs.disposeData(data.id);
    }
  }
  return out;
}

/** JS UnsortedSegmentSum for wasm: out[segmentIds[i]] += x[i] over the leading axes of x. */
function unsortedSegmentSumKernel(args: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, segmentIds } = args.inputs;
  if (!x || !segmentIds) throw new Error('UnsortedSegmentSum: inputs x and segmentIds are required');
  // embedRows takes the one-hot path instead when the internals differ; anything else reaching here cannot be served.
  if (!canUseFastWasmKernels(args.backend)) throw new Error('UnsortedSegmentSum: tfjs-backend-wasm internals differ from 4.22.0; this kernel cannot run');
  const backend = args.backend as WasmBackendInternals;
  const numSegments = Number(args.attrs?.numSegments);
  const rows = segmentIds.shape.reduce((s, d) => s * d, 1);
  const inner = x.shape.reduce((s, d) => s * d, 1) / Math.max(rows, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views are taken after the allocation: growing the heap detaches earlier typed arrays.
  const outValues = backend.typedArrayFromHeap(out);
  const xValues = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  outValues.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue; // TensorFlow drops out-of-range ids too
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) outValues[dst + j] += xValues[src + j];
  }
  return out;
}

/**
 * Registers the two wasm kernels once; harmless on other backends. Each checks the backend's
 * internals on first use (canUseFastWasmKernels) and falls back or refuses rather than misread memory.
 */
export function ensureWasmKernels(): void {
  if (!tf.getKernel(SLICED_MATMUL, 'wasm')) {
    tf.registerKernel({ kernelName: SLICED_MATMUL, backendName: 'wasm', kernelFunc: slicedMatMulKernel as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumKernel as unknown as tf.KernelFunc });
  }
}

function isWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

/** Forward product of [N, M, K] @ [N, K, P], no gradient: the fastest kernel the backend has. */
function batchMatMulRaw(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [, m, k] = a.shape;
  const p = b.shape[2];
  if (isWasm() && m * k * p >= MIN_SLICE_MACS && canUseFastWasmKernels(tf.backend())) {
    ensureWasmKernels();
    // The kernel reads raw heap buffers, which must hold float32 in row-major order.
    return tf.engine().runKernel(SLICED_MATMUL, { a: tf.cast(a, 'float32'), b: tf.cast(b, 'float32') }, {}) as tf.Tensor3D;
  }
  return tf.matMul(a, b);
}

/** Swaps the last two axes of a [N, R, C] tensor. */
function transposeLast(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

/**
 * a @ b batched over the leading axis. a: [N, M, K], b: [N, K, P] -> [N, M, P].
 *
 * On wasm, forward and gradient all run as plain per-slice products. The gradient needs
 * dy @ b^T and a^T @ dy; each is written with whichever explicit transposes move fewer elements
 * (for attention, transposing the [T, T] probabilities is avoided: dV^T = dO^T @ P instead).
 * Elsewhere it is tf.matMul with its own gradient.
 */
const fastBatchMatMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: batchMatMulRaw(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor3D[];
      const g = dy as tf.Tensor3D;
      const [, m, k] = sa.shape;
      const p = sb.shape[2];
      // da [N, M, K] = dy [N, M, P] @ b^T [N, P, K]  or  (b @ dy^T)^T
      const da = k * p <= m * p + k * m ? batchMatMulRaw(g, transposeLast(sb)) : transposeLast(batchMatMulRaw(sb, transposeLast(g)));
      // db [N, K, P] = a^T [N, K, M] @ dy [N, M, P]  or  (dy^T @ a)^T
      const db = m * k <= m * p + p * k ? batchMatMulRaw(transposeLast(sa), g) : transposeLast(batchMatMulRaw(transposeLast(g), sa));
      return [da, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  tf.util.assert(a.rank === 3 && b.rank === 3 && a.shape[0] === b.shape[0] && a.shape[2] === b.shape[1], () => `batchMatMul: shapes [${a.shape}] and [${b.shape}] do not chain`);
  if (!isWasm()) return tf.matMul(a, b);
  return fastBatchMatMul(a, b) as tf.Tensor3D;
}

// ---------------------------------------------------------------------------------------------
// Embedding lookup

/**
 * Above this vocabulary the one-hot product costs more than a gather (and its [rows, V] one-hot
 * matrix gets large: 2,560 rows x 50,257 ids would be 500 MB).
 */
const ONE_HOT_MAX_ROWS = 4096;

/**
 * table[ids]: ids [...] int32, table [V, C] -> [..., C], with a gradient on every backend.
 *
 * On wasm with a small table it is oneHot(ids) @ table through the fast matmul: measured 6.5 ms
 * for 2,560 ids into a [262, 192] table against 12 ms for the wasm gather alone, and the gradient
 * is one more fast product. Larger tables use tf.gather, whose gradient needs the JS
 * UnsortedSegmentSum registered above.
 */
export function embedRows(ids: tf.Tensor, table: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => embedRowsUntidied(ids, table));
}

function embedRowsUntidied(ids: tf.Tensor, table: tf.Tensor2D): tf.Tensor {
  const [v, c] = table.shape;
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  let rows: tf.Tensor2D;
  // Without usable internals there is no UnsortedSegmentSum for gather's gradient: one-hot at any size.
  if (isWasm() && (v <= ONE_HOT_MAX_ROWS || !canUseFastWasmKernels(tf.backend()))) {
    // int32 one-hot then cast: the wasm OneHot kernel writes integer bits into a float32 output.
    rows = matMul2d(tf.cast(tf.oneHot(flat, v), 'float32') as tf.Tensor2D, table);
  } else {
    if (isWasm()) ensureWasmKernels();
    rows = tf.gather(table, flat);
  }
  return tf.reshape(rows, [...ids.shape, c]);
}

// ---------------------------------------------------------------------------------------------
// Activations and normalisation

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/**
 * GELU, tanh approximation (GPT-2): 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3).
 * Written as x * sigmoid(2u), the same function, because the wasm tanh is ~8x slower than its
 * sigmoid (33 ms against 4 ms on [2560, 768]). The gradient is explicit to keep the op count low:
 * d/dx = s + x s (1 - s) 2 u', with s = sigmoid(2u), u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
 */
const geluOp = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const x2 = tf.square(x);
  const twoU = tf.mul(tf.mul(x, tf.add(tf.mul(x2, GELU_C), 1)), 2 * GELU_K);
  const s = tf.sigmoid(twoU);
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, ss] = saved;
      const du = tf.add(tf.mul(tf.square(sx), 3 * GELU_C * 2 * GELU_K), 2 * GELU_K); // 2u'
      const ds = tf.mul(ss, tf.sub(1, ss)); // s (1 - s)
      return [tf.mul(dy, tf.add(ss, tf.mul(tf.mul(sx, ds), du)))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function gelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x) as tf.Tensor;
}

/** LayerNorm over the last axis. x: [..., C], gamma/beta: [C]. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normalized, gamma), beta);
  });
}
