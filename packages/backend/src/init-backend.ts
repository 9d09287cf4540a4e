import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import {
  registerFusedTrainingKernels,
  registerInferenceKernels,
  registerWasmTrainingKernels,
} from './kernels/register.js';
import { availableCores, installWasmWorkerShim, maxWasmThreads, withReportedCores } from './wasm-threads.js';

/** Backends `initBackend` knows; `auto` tries `tensorflow`, then `wasm`, then `cpu`. */
export const backendNames = ['auto', 'tensorflow', 'wasm', 'cpu', 'webgpu'] as const;
export type BackendRequest = (typeof backendNames)[number];

export interface InitBackendOptions {
  /** Which backend to start. Default `'auto'`. An explicit choice that fails throws. */
  backend?: BackendRequest;
  /** wasm threads (XNNPACK pool), 1..8. Default: the logical cores of this machine (max 8). */
  threads?: number;
  /** Log the choice and the skipped backends with `console.info`. Default `false`. */
  verbose?: boolean;
  /** Register the wasm training kernels (see `registerWasmTrainingKernels`). Default `true`. */
  trainingKernels?: boolean;
}

export interface SkippedBackend {
  name: string;
  reason: string;
}

export interface BackendSelection {
  /** The TF.js backend now active: `tensorflow`, `wasm`, `cpu` or `webgpu`. */
  name: string;
  /** Why it was chosen, and how it runs (threads, device). */
  reason: string;
  /** Backends tried before it and why each was not used. */
  skipped: SkippedBackend[];
  /** wasm only: XNNPACK threads in use. */
  threads?: number;
}

class BackendUnavailableError extends Error {}

const tensorflowPackages = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** `import()` through a variable, so bundlers and tsc leave optional packages alone. */
async function importOptional(specifier: string): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new BackendUnavailableError(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

async function startTensorflow(skipped: SkippedBackend[]): Promise<BackendSelection> {
  const failures: string[] = [];
  for (const packageName of tensorflowPackages) {
    try {
      await importOptional(packageName);
    } catch (error) {
      const reason = `${packageName} is not installed or its native binding did not load: ${describe(error)}`;
      skipped.push({ name: packageName, reason });
      failures.push(reason);
      continue;
    }
    try {
      await activate('tensorflow');
    } catch (error) {
      const reason = `${packageName} loaded but the tensorflow backend did not start: ${describe(error)}`;
      skipped.push({ name: packageName, reason });
      failures.push(reason);
      continue;
    }
    const backend = tf.backend() as unknown as { isGPUPackage?: boolean; isUsingGpuDevice?: boolean };
    if ((backend.isGPUPackage ?? packageName === '@tensorflow/tfjs-node-gpu') && backend.isUsingGpuDevice === false) {
      // libtensorflow 2.9 is built for CUDA 11.2; with CUDA 12 (or no GPU) it quietly runs on the CPU.
      return {
        name: 'tensorflow',
        reason:
          `${packageName} loaded but found no usable CUDA device (its CUDA 11.2 build falls ` +
          `back to the CPU on CUDA 12 drivers); running libtensorflow on the CPU`,
        skipped: [],
      };
    }
    return {
      name: 'tensorflow',
      reason: `${packageName} (native libtensorflow)${backend.isUsingGpuDevice ? ' on the GPU' : ''}`,
      skipped: [],
    };
  }
  throw new BackendUnavailableError(failures.join('; '));
}

async function startWasm(threads: number, trainingKernels: boolean): Promise<BackendSelection> {
  if (trainingKernels) registerWasmTrainingKernels();
  // New kernel names only (SIMD SiLU, channel scaling): nothing of the stock backend changes.
  registerInferenceKernels();
  // Fused SiLU gradient and training BatchNorm (new names and their gradients), which
  // @art/efficientnet uses when they are registered.
  if (trainingKernels) registerFusedTrainingKernels();
  const alreadyStarted = tf.engine().registry.wasm !== undefined;
  let threadFailure = '';
  if (!alreadyStarted) {
    const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
    const threaded = threads > 1 && isNode;
    if (threaded) installWasmWorkerShim();
    // tfjs-backend-wasm reports no thread support in Node (tfjs issue 3830); the shim supplies it.
    if (isNode) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threaded);
    setThreadsCount(threads);
    try {
      await withReportedCores(threads, () => activate('wasm'));
    } catch (error) {
      if (!threaded) throw error;
      threadFailure = ` (threads could not start: ${describe(error)})`;
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setThreadsCount(1);
      await activate('wasm');
    }
  } else {
    await activate('wasm');
  }
  const actual = getThreadsCount();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  let reason = `WebAssembly${simd ? ' SIMD' : ''} with ${actual} XNNPACK thread${actual === 1 ? '' : 's'}`;
  if (actual !== threads) {
    reason += alreadyStarted
      ? ` (the wasm backend was already started; thread count is fixed at first start)`
      : threadFailure || ` (asked for ${threads})`;
  }
  if (trainingKernels) reason += ', @art/backend training kernels';
  reason += ', SIMD inference kernels';
  return { name: 'wasm', reason, skipped: [], threads: actual };
}

async function startWebgpu(): Promise<BackendSelection> {
  let webgpu: Record<string, unknown>;
  try {
    webgpu = await importOptional('webgpu');
  } catch (error) {
    throw new BackendUnavailableError(
      `the "webgpu" package (Dawn binding for Node) is not installed: ${describe(error)}`,
    );
  }
  const globalScope = globalThis as Record<string, unknown>;
  if (globalScope.window === undefined) {
    const create = webgpu.create as (options: string[]) => unknown;
    Object.assign(globalThis, webgpu.globals as object);
    // tfjs-backend-webgpu reads navigator.gpu when it is imported, so this must come first.
    const navigatorValue = (globalScope.navigator ?? {}) as Record<string, unknown>;
    Object.defineProperty(globalThis, 'navigator', {
      configurable: true,
      value: Object.assign(Object.create(navigatorValue), { gpu: create([]) }),
    });
  }
  try {
    await importOptional('@tensorflow/tfjs-backend-webgpu');
  } catch (error) {
    throw new BackendUnavailableError(`@tensorflow/tfjs-backend-webgpu is not installed: ${describe(error)}`);
  }
  await activate('webgpu');
  return { name: 'webgpu', reason: 'WebGPU through Dawn', skipped: [] };
}

/**
 * Chooses and starts the fastest TF.js backend available and says why.
 *
 * With `backend: 'auto'` (default) it tries, in order: `tensorflow` (`@tensorflow/tfjs-node-gpu`,
 * then `@tensorflow/tfjs-node`, both optional installs), `wasm` (threads in Node, fast training
 * kernels), `cpu`. `webgpu` only when asked for. An explicit choice that cannot be honoured
 * throws instead of falling back.
 *
 * @param options `{ backend = 'auto', threads = logical cores (max 8), verbose = false, trainingKernels = true }`
 * @returns `{ name, reason, skipped }` (plus `threads` for wasm).
 * @example
 * import { initBackend } from '@art/backend';
 * const { name, reason, skipped } = await initBackend({ backend: 'auto', threads: 2 });
 * console.log(name, reason, skipped);
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendSelection> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`initBackend: options must be an object, got ${String(options)}`);
  }
  const request = options.backend ?? 'auto';
  if (!(backendNames as readonly string[]).includes(request)) {
    throw new RangeError(
      `initBackend: unknown backend "${String(request)}"; expected one of ${backendNames.join(', ')}`,
    );
  }
  const defaultThreads = Math.min(maxWasmThreads, Math.max(1, availableCores()));
  const threads = options.threads ?? defaultThreads;
  if (!Number.isInteger(threads) || threads < 1 || threads > maxWasmThreads) {
    throw new RangeError(
      `initBackend: threads must be an integer from 1 to ${maxWasmThreads}, got ${String(options.threads)}`,
    );
  }
  const trainingKernels = options.trainingKernels ?? true;
  const order: Exclude<BackendRequest, 'auto'>[] = request === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [request];
  const skipped: SkippedBackend[] = [];
  for (const candidate of order) {
    try {
      let selection: BackendSelection;
      switch (candidate) {
        case 'tensorflow':
          selection = await startTensorflow(skipped);
          break;
        case 'wasm':
          selection = await startWasm(threads, trainingKernels);
          break;
        case 'webgpu':
          selection = await startWebgpu();
          break;
        case 'cpu':
          await activate('cpu');
          selection = { name: 'cpu', reason: 'plain JavaScript kernels (slowest, always available)', skipped: [] };
          break;
      }
      const result = { ...selection, skipped };
      if (options.verbose) {
        console.info(`[@art/backend] using ${result.name}: ${result.reason}`);
        for (const s of result.skipped) console.info(`[@art/backend] skipped ${s.name}: ${s.reason}`);
      }
      return result;
    } catch (error) {
      if (request !== 'auto') {
        throw new Error(`initBackend: the "${candidate}" backend cannot be used: ${describe(error)}`, { cause: error });
      }
      if (candidate !== 'tensorflow') skipped.push({ name: candidate, reason: describe(error) });
    }
  }
  throw new Error(
    `initBackend: no backend could be started: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}
