/**
 * The WebAssembly SIMD kernels (assembly/kernels.ts) behind the hottest uint8 paths: linear
 * resize, normalize, flips, MotionBlur's equal-weight filter, GaussNoise and OpticalDistortion. They give the same bytes
 * as the JavaScript paths (tests run both); where WebAssembly SIMD is missing, or after
 * `useWasmKernels(false)`, the JavaScript paths run. Each thread (worker) has its own instance.
 */
import { instantiateBase64, WasmArena, type WasmMemory } from './instantiate.js';

export { WasmArena };
import { KERNELS_WASM_BASE64 } from './kernels-binary.js';

interface KernelExports {
  memory: WasmMemory;
  heapBase(): number;
  resizeLinearU8(
    src: number,
    srcStride: number,
    out: number,
    rowLength: number,
    rows: number,
    xs0: number,
    xs1: number,
    a0: number,
    a1: number,
    ys0: number,
    ys1: number,
    b0: number,
    b1: number,
    scratchA: number,
    scratchB: number,
    channels: number,
  ): void;
  normalizeU8(
    src: number,
    out: number,
    pixels: number,
    channels: number,
    planar: boolean,
    offsets: number,
    factors: number,
  ): void;
  equalWeightFilterU8(
    padded: number,
    out: number,
    tapOffsets: number,
    taps: number,
    weight: number,
    height: number,
    rowLength: number,
    paddedStride: number,
    table: number,
    sums: number,
  ): void;
  gaussNoiseU8(
    src: number,
    out: number,
    elements: number,
    step: number,
    mean: number,
    std: number,
    state: number,
    kn: number,
    wn: number,
    fn: number,
  ): void;
  opticalDistortionRgb8(
    src: number,
    out: number,
    width: number,
    height: number,
    fx: number,
    fy: number,
    cx: number,
    cy: number,
    k: number,
    ir0: number,
    ir2: number,
    ir4: number,
    ir5: number,
    table: number,
    border: number,
    coordinates: number,
  ): number;
  flipU8(
    src: number,
    out: number,
    width: number,
    height: number,
    channels: number,
    horizontal: boolean,
    vertical: boolean,
  ): void;
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
  kernels.arena = () => new WasmArena(exports.memory, kernels.base);
  loaded = kernels;
  return loaded;
}
