import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { instantiateSimdModule, type SimdFunctions, type WasmMemory } from './simd-module.js';
import { rowChunks, SimdPool, type RowFunctionName } from './simd-pool.js';
import type { TensorInfo } from './wasm-ops.js';

/** The parts of BackendWasm the SIMD kernels use, including two it does not declare public. */
export interface WasmHeapBackend {
  /** Threaded builds create the memory in JS (`wasmMemory`); the others export it (`asm.memory`). */
  wasm: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput: BackendWasm['makeOutput'];
  typedArrayFromHeap: BackendWasm['typedArrayFromHeap'];
  disposeData: BackendWasm['disposeData'];
}

/** Runs a per-channel row function split by rows where threads allow (see SimdPool.rows). */
export type RowRunner = (
  name: RowFunctionName,
  pointers: number[],
  rows: number,
  channels: number,
  partialSums?: number,
) => number;

const simdFunctions = new WeakMap<object, SimdFunctions>();
const rowRunners = new WeakMap<object, RowRunner>();
const pools = new WeakMap<object, SimdPool>();

/** The helper-thread pool of a backend's heap, if it has one (threaded build, workers allowed). */
export function poolFor(backend: WasmHeapBackend): SimdPool | undefined {
  simdFor(backend);
  return pools.get(backend);
}

/** Most chunks a row job uses: reductions need `rowChunks` float64 sums buffers. */
export const maxRowChunks = rowChunks;

/** The row-job runner for a backend's heap (one thread where there is no pool). */
export function rowsFor(backend: WasmHeapBackend): RowRunner {
  simdFor(backend);
  return rowRunners.get(backend)!;
}

/**
 * The SIMD functions for a backend's heap. With a threaded backend (shared memory) SiLU and
 * channel scaling are split over as many threads as XNNPACK uses; the others (memory-bound, or
 * called per row) run on the calling thread.
 */
export function simdFor(backend: WasmHeapBackend): SimdFunctions {
  let functions = simdFunctions.get(backend);
  if (functions === undefined) {
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (memory === undefined) throw new Error('@art/backend: cannot find the memory of the wasm backend');
    const local = instantiateSimdModule(memory);
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const helpers = shared ? getThreadsCount() - 1 : 0;
    functions = local;
    if (helpers > 0) {
      try {
        const pool = new SimdPool(local, memory, helpers);
        functions = {
          ...local,
          silu: pool.silu.bind(pool),
          siluGrad: pool.siluGrad.bind(pool),
          scaleChannels: pool.scaleChannels.bind(pool),
        };
        rowRunners.set(backend, pool.rows.bind(pool));
        pools.set(backend, pool);
      } catch {
        // No worker threads (or no code generation from strings) here: one thread is still correct.
      }
    }
    simdFunctions.set(backend, functions);
    if (!rowRunners.has(backend)) {
      const direct = local as unknown as Record<string, (...args: number[]) => void>;
      rowRunners.set(backend, (name, pointers, rows, channels) => {
        direct[name]!(...pointers, rows, channels);
        return 1;
      });
    }
  }
  return functions;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function byteOffset(backend: WasmHeapBackend, tensor: TensorInfo): number {
  const data = backend.dataIdMap.get(tensor.dataId);
  if (data === undefined) throw new Error('tensor data is not on this wasm backend');
  return data.memoryOffset;
}
