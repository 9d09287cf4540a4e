import * as tf from '@tensorflow/tfjs';
import { kernelConfig, type KernelArgs } from './kernel-support.js';
import { byteOffset, simdFor, type WasmHeapBackend } from './simd-backend.js';
import { runStockKernel } from './stock-kernels.js';
import type { TensorInfo } from './wasm-ops.js';

/**
 * Sum and Mean over contiguous axes of a float32 tensor whose trailing (kept) size is a
 * multiple of 4: BatchNorm's statistics and their gradients ([0, 1, 2] of NHWC), spatial means
 * ([1, 2]). One SIMD pass over the data; the stock kernels first transpose the whole tensor to
 * put the reduced axes last. Other cases run the stock kernels.
 */
function reduceContiguous(
  kernelName: 'Sum' | 'Mean',
  args: KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>,
): TensorInfo {
  const { x } = args.inputs;
  const axes = tf.util.parseAxisParam(args.attrs.axis, x.shape).sort((a, b) => a - b);
  const contiguous = axes.length > 0 && axes.every((axis, index) => axis === axes[0]! + index);
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const outer = contiguous ? size(x.shape.slice(0, axes[0])) : 0;
  const rows = contiguous ? size(axes.map((axis) => x.shape[axis]!)) : 0;
  const inner = contiguous ? size(x.shape.slice(axes[axes.length - 1]! + 1)) : 0;
  if (x.dtype !== 'float32' || !contiguous || rows === 0 || inner === 0 || inner % 4 !== 0 || outer === 0)
    return runStockKernel(kernelName, args);
  const outShape = args.attrs.keepDims
    ? x.shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim))
    : x.shape.filter((_, axis) => !axes.includes(axis));
  const backend = args.backend as unknown as WasmHeapBackend;
  const functions = simdFor(backend);
  const out = backend.makeOutput(outShape, 'float32');
  const scratch = backend.makeOutput([2 * inner + 1], 'float32');
  try {
    const source = byteOffset(backend, x);
    const sumsOffset = byteOffset(backend, scratch) + (byteOffset(backend, scratch) % 8);
    const sums = new Float64Array((backend.typedArrayFromHeap(scratch) as Float32Array).buffer, sumsOffset, inner);
    const target = backend.typedArrayFromHeap(out) as Float32Array;
    const divisor = kernelName === 'Mean' ? rows : 1;
    for (let o = 0; o < outer; o++) {
      sums.fill(0);
      functions.columnSums(source + 4 * o * rows * inner, sumsOffset, rows, inner);
      for (let i = 0; i < inner; i++) target[o * inner + i] = sums[i]! / divisor;
    }
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}

export const sum = (args: KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>): TensorInfo =>
  reduceContiguous('Sum', args);
export const mean = (args: KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>): TensorInfo =>
  reduceContiguous('Mean', args);

function keptDimsShape(xShape: number[], axes: number[]): number[] {
  const shape = xShape.slice();
  for (const axis of axes) shape[axis] = 1;
  return shape;
}

/** Mean's or Sum's gradient: dY reshaped to the kept dimensions (over the reduced count for Mean), broadcast to x. */
function reductionGradient(kernelName: 'Mean' | 'Sum'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      return {
        x: () => {
          const kept = tf.reshape(dy as tf.Tensor, keptDimsShape(x.shape, axes));
          const reduceSize = axes.reduce((size, axis) => size * x.shape[axis]!, 1);
          return tf.broadcastTo(kernelName === 'Mean' ? tf.div(kept, reduceSize) : kept, x.shape);
        },
      };
    },
  };
}

/** Replace the wasm backend's kernels of the same names (see `registerWasmTrainingKernels`). */
export const reductionKernels: tf.KernelConfig[] = [
  kernelConfig('Sum', 'wasm', sum),
  kernelConfig('Mean', 'wasm', mean),
];

/**
 * Leaner gradients of Mean and Sum: the stock gradients multiply by `ones(x.shape)` (a fill, a
 * multiply and for Mean a divide, all full size); broadcasting the small gradient is one copy.
 */
export const reductionGradients: tf.GradConfig[] = [reductionGradient('Mean'), reductionGradient('Sum')];
