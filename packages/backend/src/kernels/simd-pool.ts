import { Worker } from 'node:worker_threads';
import { simdModuleBytes, type SimdFunctions, type WasmMemory } from './simd-module.js';

/**
 * Splits the SIMD kernels' work between the calling thread and helper worker threads that share
 * the wasm backend's memory. tfjs-backend-wasm runs its elementwise kernels on one thread
 * while XNNPACK's pool idles; SiLU alone is a third of EfficientNet's inference time there.
 *
 * Work is cut into chunks claimed from a shared counter, the caller taking part, so a helper
 * that is slow to wake (another process on its core) delays a call by at most one chunk, and
 * the call never waits for a helper that has not started. The caller blocks with Atomics.wait
 * until every chunk is done: the kernels stay synchronous, as TF.js requires.
 */

// Control block (Int32Array over a SharedArrayBuffer) slots.
const GENERATION = 0; // odd while the caller writes a job, even once published
const NEXT_TICKET = 1; // monotonic: chunks claimed so far, over all jobs
const DONE_TICKETS = 2; // monotonic: chunks finished so far
const BASE_TICKET = 3; // first ticket of the current job
const CHUNKS = 4;
const KIND = 5; // 0 SiLU, 1 channel scaling, 2 SiLU gradient, 3 row job, 4 depthwise filter gradient, 5 transpose
const SOURCE = 6;
const TARGET = 7;
const CHUNK_SIZE = 8; // SiLU: floats (a multiple of 4); scaling: rows of C channels
const COUNT = 9; // SiLU: floats; scaling: rows (batch * positions)
const GATE = 10; // scaling: the gate; SiLU gradient: dy
const POSITIONS = 11;
const CHANNELS = 12;
const FAILED = 13; // 1 once a helper threw: the caller stops waiting and stops using helpers
// Row jobs (kind 3): one of the per-channel functions over a range of [rows, channels] rows.
const ROW_FUNCTION = 14; // index into rowFunctionNames
const ROW_POINTER_0 = 15; // up to 4 pointer arguments, in the function's order
const PARTIAL_SUMS = 19; // reductions: each chunk adds into its own float64 sums at this + chunk * stride
const PARTIAL_STRIDE = 20;
// Depthwise filter gradient jobs (kind 4): 16 integer arguments, one chunk per filter offset.
const DEPTHWISE_ARGUMENTS = 24;
const CONTROL_SLOTS = 40;

/**
 * The depthwise filter gradient (multiplier 1, channels a multiple of 4) for filter offsets
 * first..last - 1: each offset's float64 sums (channels of them, at sums + 8 * offset * channels,
 * zeroed by the caller) accumulate x * dy over the output rows, one SIMD row call per row.
 * Arguments: x, dy, sums (byte offsets), batch, height, width, channels, outHeight, outWidth,
 * strideHeight, strideWidth, dilationHeight, dilationWidth, top, left, filterWidth. Offsets own
 * disjoint sums, so threads can take different offsets. The kernel's one-thread path runs this
 * source too (depthwiseFilterOffsets below), over all offsets.
 */
const depthwiseFilterOffsetsSource = `(functions, a, first, last) => {
  const [x, dy, sums, batch, height, width, channels, outHeight, outWidth,
    strideHeight, strideWidth, dilationHeight, dilationWidth, top, left, filterWidth] = a;
  const rowBytes = 4 * channels;
  for (let offset = first; offset < last; offset++) {
    const kh = Math.floor(offset / filterWidth), kw = offset % filterWidth;
    const iwOffset = kw * dilationWidth - left;
    const owStart = Math.max(0, Math.ceil(-iwOffset / strideWidth));
    const owEnd = Math.min(outWidth, Math.floor((width - 1 - iwOffset) / strideWidth) + 1);
    if (owEnd <= owStart) continue;
    const sumsAt = sums + 8 * offset * channels;
    for (let n = 0; n < batch; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        const ih = oh * strideHeight + kh * dilationHeight - top;
        if (ih < 0 || ih >= height) continue;
        const xAt = x + ((n * height + ih) * width + owStart * strideWidth + iwOffset) * rowBytes;
        const dyAt = dy + ((n * outHeight + oh) * outWidth + owStart) * rowBytes;
        functions.depthwiseFilterRow(xAt, dyAt, sumsAt, owEnd - owStart, strideWidth * rowBytes, channels);
      }
    }
  }
}`;

/** depthwiseFilterOffsetsSource compiled in this thread, for callers that run it without helpers. */
export const depthwiseFilterOffsets = new Function(`return ${depthwiseFilterOffsetsSource};`)() as (
  functions: Pick<SimdFunctions, 'depthwiseFilterRow'>,
  args: readonly number[],
  first: number,
  last: number,
) => void;

/**
 * Functions of SimdFunctions that work on [rows, channels] data and can be split by rows. Their
 * row-major inputs/outputs are advanced to the chunk's first row; reductions get per-chunk sums.
 * [name, which pointer arguments advance with the rows, whether the last pointer is float64 sums]
 */
export const rowFunctions = [
  ['normalizeChannels', [true, false, true], false],
  ['batchNormBackward', [true, true, false, true], false],
  ['columnSums', [true, false], true],
  ['centeredSquareSums', [true, false, false], true],
  ['batchNormGradientSums', [true, true, false, false], true],
] as const;
export type RowFunctionName = (typeof rowFunctions)[number][0];

/**
 * Claims and runs chunks of the published job until none is left; returns the generation it
 * served. The same source runs in the caller (through `new Function`) and in each helper
 * (`eval` worker), so the protocol has one implementation. Ticket arithmetic is modulo 2^32.
 */
const runJobSource = `
for (;;) {
  const generation = Atomics.load(control, ${GENERATION});
  if ((generation & 1) !== 0) continue;
  const base = control[${BASE_TICKET}], chunks = control[${CHUNKS}], kind = control[${KIND}];
  // Byte offsets may pass 2^31 (heaps up to 4 GiB): read them back unsigned.
  const source = control[${SOURCE}] >>> 0, target = control[${TARGET}] >>> 0, gate = control[${GATE}] >>> 0;
  const chunkSize = control[${CHUNK_SIZE}], count = control[${COUNT}], positions = control[${POSITIONS}], channels = control[${CHANNELS}];
  if (Atomics.load(control, ${GENERATION}) !== generation) continue;
  const end = (base + chunks) | 0;
  for (;;) {
    const ticket = Atomics.load(control, ${NEXT_TICKET});
    if (((ticket - end) | 0) >= 0) return generation;
    if (Atomics.compareExchange(control, ${NEXT_TICKET}, ticket, (ticket + 1) | 0) !== ticket) continue;
    const first = ((ticket - base) | 0) * chunkSize;
    const last = Math.min(count, first + chunkSize);
    if (kind === 5) {
      // Transpose of a band of source rows [first, last): 16-row blocks, then 4-row ones.
      const whole = first + (last - first - ((last - first) % 16));
      if (whole > first) functions.transpose16(source + 4 * first * channels, target + 4 * first, whole - first, channels, count);
      if (last > whole) functions.transpose4(source + 4 * whole * channels, target + 4 * whole, last - whole, channels, count);
    } else if (kind === 4) {
      const args = [];
      for (let i = 0; i < 16; i++) args.push(i < 3 ? control[${DEPTHWISE_ARGUMENTS} + i] >>> 0 : control[${DEPTHWISE_ARGUMENTS} + i]);
      depthwiseFilterOffsets(functions, args, first, last);
    } else if (kind === 3) {
      const [name, advances, reduces] = rowFunctions[control[${ROW_FUNCTION}]];
      const args = [];
      for (let i = 0; i < advances.length; i++) {
        const pointer = control[${ROW_POINTER_0} + i] >>> 0;
        args.push(advances[i] ? pointer + 4 * first * channels : pointer);
      }
      if (reduces) args[args.length - 1] = (control[${PARTIAL_SUMS}] >>> 0) + ((ticket - base) | 0) * control[${PARTIAL_STRIDE}];
      functions[name](...args, last - first, channels);
    } else if (kind === 0) {
      functions.silu(source + 4 * first, target + 4 * first, last - first);
    } else if (kind === 2) {
      functions.siluGrad(source + 4 * first, gate + 4 * first, target + 4 * first, last - first);
    } else {
      // Rows of one sample share a gate row: split the chunk at sample boundaries.
      for (let row = first; row < last; ) {
        const sample = Math.floor(row / positions);
        const stop = Math.min(last, (sample + 1) * positions);
        const offset = 4 * row * channels;
        functions.scaleChannels(source + offset, gate + 4 * sample * channels, target + offset, 1, stop - row, channels);
        row = stop;
      }
    }
    Atomics.add(control, ${DONE_TICKETS}, 1);
    Atomics.notify(control, ${DONE_TICKETS});
  }
}`;

const workerSource = `
const rowFunctions = ${JSON.stringify(rowFunctions)};
const depthwiseFilterOffsets = ${depthwiseFilterOffsetsSource};
const { workerData } = require('node:worker_threads');
const { memory, moduleBytes, controlBuffer } = workerData;
const functions = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { env: { memory } }).exports;
const control = new Int32Array(controlBuffer);
const runJob = () => {${runJobSource}};
let served = Atomics.load(control, ${GENERATION}) & ~1;
for (;;) {
  Atomics.wait(control, ${GENERATION}, served);
  try {
    served = runJob();
  } catch (error) {
    Atomics.store(control, ${FAILED}, 1);
    Atomics.notify(control, ${DONE_TICKETS});
    throw error;
  }
}`;

/** Floats per SiLU chunk (128 KiB): big enough to amortise a claim, small enough to balance. */
const siluChunkFloats = 32 * 1024;
/** Row jobs: at most this many chunks (per-chunk partial sums), each at least this many floats. */
export const rowChunks = 8;
const rowChunkFloats = 32 * 1024;
/** Below this many floats the helpers are not woken: one thread is faster than a hand-off. */
const parallelThreshold = 128 * 1024;

/** Runs the SIMD functions on the caller plus `helpers` worker threads sharing `memory`. */
export class SimdPool implements Pick<SimdFunctions, 'silu' | 'siluGrad' | 'scaleChannels'> {
  private readonly control: Int32Array;
  private readonly runJob: (control: Int32Array, functions: SimdFunctions, table: typeof rowFunctions) => number;
  private readonly workers: Worker[] = [];

  constructor(
    private readonly functions: SimdFunctions,
    memory: WasmMemory,
    helpers: number,
  ) {
    const controlBuffer = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    this.control = new Int32Array(controlBuffer);
    this.runJob = new Function(
      'control',
      'functions',
      'rowFunctions',
      `const depthwiseFilterOffsets = ${depthwiseFilterOffsetsSource};\n${runJobSource}`,
    ) as (control: Int32Array, functions: SimdFunctions, table: typeof rowFunctions) => number;
    const moduleBytes = simdModuleBytes(true);
    for (let i = 0; i < helpers; i++) {
      const worker = new Worker(workerSource, { eval: true, workerData: { memory, moduleBytes, controlBuffer } });
      // Helpers block in Atomics.wait between jobs; they must not keep the process alive.
      worker.unref();
      // A helper's exception is reported through the FAILED slot (the caller is blocked in
      // Atomics.wait, where events cannot reach it); keep it from crashing the process here.
      worker.on('error', () => {});
      this.workers.push(worker);
    }
  }

  /** dst = silu(src) for `count` floats (a multiple of 4) at byte offsets. */
  silu(source: number, target: number, count: number): void {
    if (count < parallelThreshold || !this.usable()) {
      this.functions.silu(source, target, count);
      return;
    }
    this.publish(0, source, target, siluChunkFloats, count, 0, 0, 0);
  }

  /** dst = dy * silu'(x) for `count` floats (a multiple of 4) at byte offsets. */
  siluGrad(source: number, dy: number, target: number, count: number): void {
    if (count < parallelThreshold || !this.usable()) {
      this.functions.siluGrad(source, dy, target, count);
      return;
    }
    this.publish(2, source, target, siluChunkFloats, count, dy, 0, 0);
  }

  /** dst[n, p, :] = src[n, p, :] * gate[n, :] (channels a multiple of 4) at byte offsets. */
  scaleChannels(
    source: number,
    gate: number,
    target: number,
    batch: number,
    positions: number,
    channels: number,
  ): void {
    const rows = batch * positions;
    if (rows * channels < parallelThreshold || !this.usable()) {
      this.functions.scaleChannels(source, gate, target, batch, positions, channels);
      return;
    }
    const rowsPerChunk = Math.max(1, Math.floor(siluChunkFloats / channels));
    this.publish(1, source, target, rowsPerChunk, rows, gate, positions, channels);
  }

  /**
   * Runs a row function over `rows` rows of `channels` (a multiple of 4) split between threads.
   * `pointers` are its pointer arguments in order. For reductions the last one is the float64
   * sums (2 * channels values for batchNormGradientSums, else channels): each chunk accumulates
   * into its own zeroed sums in `partialSums` (chunks * sums bytes, 8-byte aligned, caller-owned),
   * and the caller adds the chunks' sums in chunk order. Returns the number of chunks used (1: ran
   * on this thread into `pointers`' own sums, partialSums untouched).
   */
  rows(
    name: RowFunctionName,
    pointers: number[],
    rows: number,
    channels: number,
    partialSums = 0,
    maxChunks = rowChunks,
  ): number {
    const index = rowFunctions.findIndex(([candidate]) => candidate === name);
    const reduces = rowFunctions[index]![2];
    const call = (this.functions as unknown as Record<string, (...args: number[]) => void>)[name]!;
    const chunks = Math.min(maxChunks, Math.floor((rows * channels) / rowChunkFloats));
    if (chunks < 2 || !this.usable() || (reduces && partialSums === 0)) {
      call(...pointers, rows, channels);
      return 1;
    }
    const control = this.control;
    const rowsPerChunk = Math.ceil(rows / chunks);
    control[ROW_FUNCTION] = index;
    pointers.forEach((pointer, i) => (control[ROW_POINTER_0 + i] = pointer));
    control[PARTIAL_SUMS] = partialSums;
    control[PARTIAL_STRIDE] = (name === 'batchNormGradientSums' ? 16 : 8) * channels;
    this.publish(3, 0, 0, rowsPerChunk, rows, 0, 0, channels);
    return Math.ceil(rows / rowsPerChunk);
  }

  /**
   * The depthwise filter gradient over `offsets` filter offsets, one offset per chunk, on the
   * caller and the helpers (arguments as for depthwiseFilterOffsetsSource). False when the
   * helpers are not usable: the caller then runs its own loop.
   */
  depthwiseFilter(args: readonly number[], offsets: number): boolean {
    if (!this.usable() || offsets < 2) return false;
    args.forEach((value, i) => (this.control[DEPTHWISE_ARGUMENTS + i] = value));
    this.publish(4, 0, 0, 1, offsets, 0, 0, 0);
    return true;
  }

  /**
   * dst = src^T for a [rows, columns] matrix of 4-byte elements (both multiples of 4), in bands
   * of source rows (multiples of 16) shared out between threads. False when the helpers are not
   * usable or the matrix is small: the caller transposes it itself.
   */
  transpose(source: number, target: number, rows: number, columns: number): boolean {
    if (rows * columns < parallelThreshold || !this.usable()) return false;
    const bandRows = Math.max(16, 16 * Math.ceil(siluChunkFloats / columns / 16));
    this.publish(5, source, target, bandRows, rows, 0, 0, columns);
    return true;
  }

  private usable(): boolean {
    return this.workers.length > 0 && Atomics.load(this.control, FAILED) === 0;
  }

  private publish(
    kind: number,
    source: number,
    target: number,
    chunkSize: number,
    count: number,
    gate: number,
    positions: number,
    channels: number,
  ): void {
    const control = this.control;
    const chunks = Math.ceil(count / chunkSize);
    Atomics.add(control, GENERATION, 1); // odd: helpers ignore the fields while they change
    const base = Atomics.load(control, NEXT_TICKET);
    control[BASE_TICKET] = base;
    control[CHUNKS] = chunks;
    control[KIND] = kind;
    control[SOURCE] = source;
    control[TARGET] = target;
    control[CHUNK_SIZE] = chunkSize;
    control[COUNT] = count;
    control[GATE] = gate;
    control[POSITIONS] = positions;
    control[CHANNELS] = channels;
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    this.runJob(control, this.functions, rowFunctions);
    const end = (base + chunks) | 0;
    for (
      let done = Atomics.load(control, DONE_TICKETS);
      ((done - end) | 0) < 0;
      done = Atomics.load(control, DONE_TICKETS)
    ) {
      // A helper that failed holding a chunk would never finish it.
      if (Atomics.load(control, FAILED) !== 0)
        throw new Error('@art/backend: a SIMD helper thread failed; later calls run on one thread');
      Atomics.wait(control, DONE_TICKETS, done, 1000);
    }
  }
}
