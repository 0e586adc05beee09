/**
 * Chooses the TensorFlow.js backend the trainer runs on, once per process.
 *
 * Order: `tensorflow` (native libtensorflow via @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node)
 * when one is installed and loads, else `wasm` (XNNPACK with SIMD; one thread in Node), else `cpu`
 * (plain JS, a last resort: ~15x slower than wasm for training). TRAINER_BACKEND or `forced` picks
 * one and fails with the reason when it cannot load, rather than silently running 15x slower.
 *
 * The native packages are optional (their install script downloads libtensorflow, which fails on
 * machines without network or CUDA), so they are imported through a specifier held in a variable:
 * TypeScript and bundlers then do not require them to exist. See trainer/README.md for GPU setup.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { getTrainerEnv, type TrainerBackendName } from '../env';

export type BackendName = TrainerBackendName;
export type BackendInfo = {
  name: BackendName;
  /** Human-readable description for logs, e.g. "simd, 1 thread" or "@tensorflow/tfjs-node-gpu". */
  detail: string;
  /** True when the native GPU build (tfjs-node-gpu) is the one that loaded. */
  gpu: boolean;
};
export type SelectBackendOptions = {
  forced?: BackendName;
  /** Where the one-line report goes; defaults to console.log. */
  log?: (line: string) => void;
};

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/**
 * Selects and initialises a backend, logs `[trainer] backend: wasm (simd, 1 thread)`, and returns
 * what it chose. Idempotent: later calls return the current backend, unless they force another one.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const forced = options.forced ?? getTrainerEnv().TRAINER_BACKEND;
  if (pending) {
    const info = await pending;
    if (forced === undefined || forced === info.name) return info;
  }
  pending = initialise(forced, options.log ?? console.log);
  try {
    current = await pending;
    return current;
  } catch (error) {
    pending = current ? Promise.resolve(current) : null;
    throw error;
  }
}

/** The backend chosen so far, or null before selectBackend has finished. */
export function currentBackend(): BackendInfo | null {
  return current;
}

async function initialise(forced: BackendName | undefined, log: (line: string) => void): Promise<BackendInfo> {
  let info: BackendInfo;
  if (forced) {
    info = await loaders[forced]();
  } else {
    info = await firstThatLoads([loaders.tensorflow, loaders.wasm, loaders.cpu]);
  }
  log(`[trainer] backend: ${info.name} (${info.detail})`);
  return info;
}

async function firstThatLoads(candidates: Array<() => Promise<BackendInfo>>): Promise<BackendInfo> {
  const failures: string[] = [];
  for (const load of candidates) {
    try {
      return await load();
    } catch (error) {
      failures.push(errorMessage(error));
    }
  }
  throw new Error(`No TensorFlow.js backend could be initialised:\n  ${failures.join('\n  ')}`);
}

const loaders: Record<BackendName, () => Promise<BackendInfo>> = {
  async tensorflow() {
    const failures: string[] = [];
    for (const pkg of NATIVE_PACKAGES) {
      try {
        await importOptional(pkg);
      } catch (error) {
        failures.push(`${pkg}: ${firstLine(errorMessage(error))}`);
        continue;
      }
      // The package registers 'tensorflow' in the tfjs-core instance it imports; a different
      // tfjs-core version would be a different registry and setBackend would not find it.
      await activate('tensorflow', `${pkg} loaded but its backend did not register with @tensorflow/tfjs-core ${tf.version_core} (install version ${tf.version_core} of ${pkg})`);
      return { name: 'tensorflow', detail: pkg, gpu: pkg === '@tensorflow/tfjs-node-gpu' };
    }
    throw new Error(`Backend 'tensorflow' unavailable: neither ${NATIVE_PACKAGES.join(' nor ')} could be loaded ` + `(${failures.join('; ')}). Install one of them (see trainer/README.md).`);
  },

  async wasm() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the backend reads its .wasm binaries from disk; point it at the package's dist
    // folder explicitly so it works the same under tsx, vitest and a bundled build.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(dist + path.sep);
    await activate('wasm', 'Backend wasm failed to initialise');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = wasm.getThreadsCount();
    return { name: 'wasm', detail: `${simd ? 'simd' : 'no simd'}, ${threads} thread${threads === 1 ? '' : 's'}`, gpu: false };
  },

  async cpu() {
    await import('@tensorflow/tfjs-backend-cpu');
    await activate('cpu', 'Backend cpu failed to initialise');
    return { name: 'cpu', detail: 'plain JavaScript', gpu: false };
  },
};

async function activate(name: BackendName, failure: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new Error(`${failure}: ${errorMessage(error)}`);
  }
  if (!ok) throw new Error(failure);
  await tf.ready();
}

/** import() through a variable so that neither tsc nor a bundler resolves the optional package. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
