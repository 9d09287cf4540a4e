/**
 * The WebAssembly SIMD kernels (assembly/kernels.ts) behind the hottest uint8 paths: linear
 * resize, normalize, flips, MotionBlur's equal-weight filter, GaussNoise and OpticalDistortion. They give the same bytes
 * as the JavaScript paths (tests run both); where WebAssembly SIMD is missing, or after
 * `useWasmKernels(false)`, the JavaScript paths run. Each thread (worker) has its own instance.
 */
import { instantiateBase64, type WasmMemory } from './instantiate.js';
import { KERNELS_WASM_BASE64 } from './kernels-binary.js';

interface KernelExports {
  memory: WasmMemory;
  heapBase(): number;
  resizeLinearU8(
    src: number, srcStride: number, out: number, rowLength: number, rows: number,
    xs0: number, xs1: number, a0: number, a1: number,
    ys0: number, ys1: number, b0: number, b1: number,
    scratchA: number, scratchB: number, channels: number,
  ): void;
  normalizeU8(src: number, out: number, pixels: number, channels: number, planar: boolean, offsets: number, factors: number): void;
  equalWeightFilterU8(
    padded: number, out: number, tapOffsets: number, taps: number, weight: number,
    height: number, rowLength: number, paddedStride: number, table: number, sums: number,
  ): void;
  gaussNoiseU8(src: number, out: number, elements: number, step: number, mean: number, std: number, state: number, kn: number, wn: number, fn: number): void;
  opticalDistortionRgb8(
    src: number, out: number, width: number, height: number,
    fx: number, fy: number, cx: number, cy: number, k: number, ir0: number, ir2: number, ir4: number, ir5: number,
    table: number, border: number, coordinates: number,
  ): number;
  flipU8(src: number, out: number, width: number, height: number, channels: number, horizontal: boolean, vertical: boolean): void;
}

/** A typed array the kernels read or write. */
type Buffer = Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * One call's memory: a bump allocator over the module's linear memory, reset per call.
 * Pointers are byte offsets, 16-byte aligned (SIMD loads).
 */
export class WasmArena {
  private top: number;
  constructor(private readonly kernels: WasmKernels) {
    this.top = kernels.base;
  }

  /** Reserves `bytes` and returns the pointer (grows the memory when needed). */
  allocate(bytes: number): number {
    const pointer = this.top;
    this.top = (pointer + bytes + 15) & ~15;
    const memory = this.kernels.exports.memory;
    if (this.top > memory.buffer.byteLength) memory.grow(Math.ceil((this.top - memory.buffer.byteLength) / 65536));
    return pointer;
  }

  /** Copies `values` into fresh memory and returns its pointer. */
  copyIn(values: Buffer): number {
    const pointer = this.allocate(values.byteLength);
    new Uint8Array(this.kernels.exports.memory.buffer, pointer, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return pointer;
  }

  /** A Uint8Array view of `length` bytes at `pointer` (valid until the next allocation). */
  bytes(pointer: number, length: number): Uint8Array {
    return new Uint8Array(this.kernels.exports.memory.buffer, pointer, length);
  }

  /** A Float32Array view of `length` values at `pointer`. */
  floats(pointer: number, length: number): Float32Array {
    return new Float32Array(this.kernels.exports.memory.buffer, pointer, length);
  }
}

export interface WasmKernels {
  exports: KernelExports;
  /** First free byte after the module's static data. */
  base: number;
  arena(): WasmArena;
  /** Where gaussNoiseU8 reads and writes the generator state (4 words). */
  statePointer: number;
}

let enabled = true;
let loaded: WasmKernels | null | undefined;

/**
 * Switches the WebAssembly kernels on (default) or off for this thread; off runs the
 * JavaScript reference paths (same bytes, slower). Returns whether they are now in use.
 * @example
 * useWasmKernels(false); // e.g. to compare both paths
 */
export function useWasmKernels(on: boolean): boolean {
  enabled = on;
  return wasmKernels() !== undefined;
}

/** Whether the WebAssembly kernels can run here (WebAssembly with SIMD). */
export function wasmKernelsAvailable(): boolean {
  return load() !== null;
}

/** The kernels, or undefined when disabled or unavailable. */
export function wasmKernels(): WasmKernels | undefined {
  if (!enabled) return undefined;
  return load() ?? undefined;
}

function load(): WasmKernels | null {
  if (loaded !== undefined) return loaded;
  // The same Math.exp / Math.log as the JavaScript generator: identical normals.
  const exports = instantiateBase64<KernelExports>(KERNELS_WASM_BASE64, { env: { exp: Math.exp, log: Math.log } });
  if (exports === undefined) {
    loaded = null;
    return loaded;
  }
  const kernels = { exports } as WasmKernels;
  kernels.statePointer = (exports.heapBase() + 15) & ~15;
  kernels.base = kernels.statePointer + 16;
  kernels.arena = () => new WasmArena(kernels);
  loaded = kernels;
  return loaded;
}
