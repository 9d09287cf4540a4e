import * as tf from '@tensorflow/tfjs';
import { batchNormTrainingGradKernelName, batchNormTrainingKernelName } from '../../../../internal/kernel-names.js';
import {
  activeBackendHas,
  checkSameShape,
  kernelConfig,
  requireFloat32,
  sizeOf,
  type CpuBackend,
  type KernelArgs,
} from './kernel-support.js';
import { byteOffset, maxRowChunks, rowsFor, simdFor, type WasmHeapBackend } from './simd-backend.js';
import type { RowFunctionName } from './simd-pool.js';
import { runStockKernel } from './stock-kernels.js';
import type { TensorInfo } from './wasm-ops.js';

/**
 * BatchNorm: the stock `FusedBatchNorm` in one SIMD pass with a leaner gradient, and training-mode
 * BatchNorm as one fused kernel each way (`ArtBatchNormTraining`: batch statistics and
 * normalisation; `ArtBatchNormTrainingGrad`: its whole backward pass) on wasm (SIMD) and cpu
 * (the reference loops). tfjs builds training BatchNorm from tf.moments, FusedBatchNorm and their
 * gradients, about fifteen kernels, each a full pass over an activation with an activation-sized
 * result. `@art/efficientnet` looks the fused kernel up by name and falls back to plain ops.
 */

/**
 * FusedBatchNorm (the forward BatchNorm, training and inference) in one SIMD pass when x is
 * float32 with a last axis C that is a multiple of 4 and every parameter has C values:
 * (x - mean) * (scale / sqrt(variance + epsilon)) + offset. The stock kernel is a scalar loop
 * with a modulo per parameter and element. Other cases run the stock kernel.
 */
export function fusedBatchNorm(
  args: KernelArgs<
    { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo },
    { varianceEpsilon: number }
  >,
): TensorInfo {
  const { x, mean, variance, offset, scale } = args.inputs;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const parameters = [mean, variance, offset, scale].filter((t): t is TensorInfo => t != null);
  if (
    x.dtype !== 'float32' ||
    channels === 0 ||
    channels % 4 !== 0 ||
    size(x.shape) === 0 ||
    parameters.some((t) => t.dtype !== 'float32' || size(t.shape) !== channels)
  ) {
    return runStockKernel('FusedBatchNorm', args);
  }
  const backend = args.backend as unknown as WasmHeapBackend;
  const functions = simdFor(backend);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const packed = backend.makeOutput([3 * channels], 'float32');
  try {
    const read = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    const [meanValues, varianceValues] = [read(mean), read(variance)];
    const offsetValues = offset != null ? read(offset) : null;
    const scaleValues = scale != null ? read(scale) : null;
    const target = read(packed);
    for (let c = 0; c < channels; c++) {
      target[c] = meanValues[c]!;
      target[channels + c] = (scaleValues?.[c] ?? 1) / Math.sqrt(varianceValues[c]! + args.attrs.varianceEpsilon);
      target[2 * channels + c] = offsetValues?.[c] ?? 0;
    }
    functions.normalizeChannels(
      byteOffset(backend, x),
      byteOffset(backend, packed),
      byteOffset(backend, out),
      size(x.shape) / channels,
      channels,
    );
  } finally {
    backend.disposeData(packed.dataId);
  }
  return out;
}

const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyIn, saved, attrs) => {
    const dy = dyIn as tf.Tensor;
    const [x, mean, variance, scaleInput] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const scale = scaleInput ?? tf.scalar(1);
    // Axes along which mean (and friends) were broadcast: all of them for a [C] mean on NHWC.
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor) => (axes.length > 0 ? tf.reshape(tf.sum(t, axes), mean.shape) : t);
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
    // The [C] sums every parameter gradient needs, in one tidy so that the activation-sized
    // temporaries die here rather than at the end of the backward pass. (The per-input closures
    // below each run in their own tidy, so they cannot share lazily created tensors.)
    const [sumDy, sumDyCentered] = tf.tidy(() => [reduce(dy), reduce(tf.mul(dy, tf.sub(x, mean)))]) as [
      tf.Tensor,
      tf.Tensor,
    ];
    return {
      x: () => tf.mul(dy, tf.mul(scale, inverseStd)),
      mean: () => tf.reshape(tf.mul(tf.neg(tf.mul(scale, inverseStd)), sumDy), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(sumDyCentered, tf.mul(scale, tf.pow(inverseStd, 3))), -0.5), mean.shape),
      scale: () => tf.reshape(tf.mul(sumDyCentered, inverseStd), mean.shape),
      offset: () => tf.reshape(sumDy, mean.shape),
    };
  },
};

interface BatchNormInputs {
  x: TensorInfo;
  scale: TensorInfo;
  offset: TensorInfo;
}
interface BatchNormGradInputs {
  dy: TensorInfo;
  x: TensorInfo;
  mean: TensorInfo;
  variance: TensorInfo;
  scale: TensorInfo;
  meanGradient?: TensorInfo;
  varianceGradient?: TensorInfo;
}
interface BatchNormAttrs {
  varianceEpsilon: number;
}

/** [rows, channels] of a channels-last tensor whose [C] parameters all have C values. */
function batchNormLayout(kernelName: string, x: TensorInfo, parameters: (TensorInfo | undefined)[]): [number, number] {
  if (x.shape.length < 1) throw new Error(`${kernelName}: x must have a channel axis, got a scalar`);
  const channels = x.shape[x.shape.length - 1]!;
  for (const parameter of parameters) {
    if (parameter !== undefined && sizeOf(parameter.shape) !== channels) {
      throw new Error(
        `${kernelName}: per-channel inputs must have ${channels} values, got [${parameter.shape.join(', ')}]`,
      );
    }
  }
  const rows = channels === 0 ? 0 : sizeOf(x.shape) / channels;
  if (rows === 0)
    throw new Error(`${kernelName}: x must not be empty (batch statistics of no samples), got [${x.shape.join(', ')}]`);
  return [rows, channels];
}

/**
 * Batch mean and (biased) variance over the rows, as tf.moments computes them: the mean, then
 * the mean of squared deviations from the float32 mean. Sums in float64.
 */
function batchStatistics(
  x: ArrayLike<number>,
  rows: number,
  channels: number,
): { mean: Float32Array; variance: Float32Array } {
  const sums = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < channels; c++, i++) sums[c]! += x[i]!;
  const mean = Float32Array.from(sums, (sum) => sum / rows);
  sums.fill(0);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const deviation = x[i]! - mean[c]!;
      sums[c]! += deviation * deviation;
    }
  }
  return { mean, variance: Float32Array.from(sums, (sum) => sum / rows) };
}

/** The per-channel coefficients of BatchNorm's input gradient: dx = k dy + p (x - mean) + q. */
function batchNormGradCoefficients(
  rows: number,
  channels: number,
  variance: ArrayLike<number>,
  scale: ArrayLike<number>,
  sumDy: Float64Array,
  sumDyCentered: Float64Array,
  meanGradient: ArrayLike<number> | null,
  varianceGradient: ArrayLike<number> | null,
  epsilon: number,
): { k: Float32Array; p: Float32Array; q: Float32Array; scaleGradient: Float32Array; offsetGradient: Float32Array } {
  const k = new Float32Array(channels);
  const p = new Float32Array(channels);
  const q = new Float32Array(channels);
  const scaleGradient = new Float32Array(channels);
  const offsetGradient = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const inverseStd = 1 / Math.sqrt(variance[c]! + epsilon);
    const factor = scale[c]! * inverseStd;
    // d(mean)/dx = 1/N, d(variance)/dx = 2 (x - mean) / N (its path through the mean sums to 0).
    k[c] = factor;
    p[c] = (-factor * inverseStd * inverseStd * sumDyCentered[c]! + 2 * (varianceGradient?.[c] ?? 0)) / rows;
    q[c] = (-factor * sumDy[c]! + (meanGradient?.[c] ?? 0)) / rows;
    scaleGradient[c] = sumDyCentered[c]! * inverseStd;
    offsetGradient[c] = sumDy[c]!;
  }
  return { k, p, q, scaleGradient, offsetGradient };
}

function batchNormTrainingCpu({
  inputs,
  backend,
  attrs,
}: {
  inputs: BatchNormInputs;
  backend: CpuBackend;
  attrs: BatchNormAttrs;
}): TensorInfo[] {
  const { x, scale, offset } = inputs;
  requireFloat32(batchNormTrainingKernelName, x, scale, offset);
  const [rows, channels] = batchNormLayout(batchNormTrainingKernelName, x, [scale, offset]);
  const xValues = backend.readSync(x.dataId);
  const scaleValues = backend.readSync(scale.dataId);
  const offsetValues = backend.readSync(offset.dataId);
  const { mean, variance } = batchStatistics(xValues, rows, channels);
  const factor = Float32Array.from(variance, (v, c) => scaleValues[c]! / Math.sqrt(v + attrs.varianceEpsilon));
  const y = new Float32Array(xValues.length);
  for (let r = 0, i = 0; r < rows; r++)
    for (let c = 0; c < channels; c++, i++) y[i] = (xValues[i]! - mean[c]!) * factor[c]! + offsetValues[c]!;
  return [
    backend.makeTensorInfo(x.shape.slice(), 'float32', y),
    backend.makeTensorInfo([channels], 'float32', mean),
    backend.makeTensorInfo([channels], 'float32', variance),
  ];
}

function batchNormTrainingGradCpu({
  inputs,
  backend,
  attrs,
}: {
  inputs: BatchNormGradInputs;
  backend: CpuBackend;
  attrs: BatchNormAttrs;
}): TensorInfo[] {
  const { dy, x, mean, variance, scale, meanGradient, varianceGradient } = inputs;
  requireFloat32(batchNormTrainingGradKernelName, dy, x, mean, variance, scale, meanGradient, varianceGradient);
  checkSameShape(batchNormTrainingGradKernelName, x, dy);
  const [rows, channels] = batchNormLayout(batchNormTrainingGradKernelName, x, [
    mean,
    variance,
    scale,
    meanGradient,
    varianceGradient,
  ]);
  const read = (t: TensorInfo) => backend.readSync(t.dataId);
  const [dyValues, xValues, meanValues] = [read(dy), read(x), read(mean)];
  const sumDy = new Float64Array(channels);
  const sumDyCentered = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      sumDy[c]! += dyValues[i]!;
      sumDyCentered[c]! += dyValues[i]! * (xValues[i]! - meanValues[c]!);
    }
  }
  const { k, p, q, scaleGradient, offsetGradient } = batchNormGradCoefficients(
    rows,
    channels,
    read(variance),
    read(scale),
    sumDy,
    sumDyCentered,
    meanGradient ? read(meanGradient) : null,
    varianceGradient ? read(varianceGradient) : null,
    attrs.varianceEpsilon,
  );
  const dx = new Float32Array(xValues.length);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++)
      dx[i] = dyValues[i]! * k[c]! + (xValues[i]! - meanValues[c]!) * p[c]! + q[c]!;
  }
  return [
    backend.makeTensorInfo(x.shape.slice(), 'float32', dx),
    backend.makeTensorInfo(scale.shape.slice(), 'float32', scaleGradient),
    backend.makeTensorInfo(scale.shape.slice(), 'float32', offsetGradient),
  ];
}

/** Float64 scratch on the wasm heap (8-byte aligned): `count` values, released by `release`. */
function float64Scratch(
  backend: WasmHeapBackend,
  count: number,
): { offset: number; values: Float64Array; release(): void } {
  const scratch = backend.makeOutput([2 * count + 1], 'float32');
  const base = byteOffset(backend, scratch);
  const offset = base + (base % 8);
  const values = new Float64Array((backend.typedArrayFromHeap(scratch) as Float32Array).buffer, offset, count);
  return { offset, values, release: () => backend.disposeData(scratch.dataId) };
}

/**
 * Runs a per-channel SIMD reduction over the rows, split between threads, each chunk into its own
 * float64 sums in `partial` (maxRowChunks * count values, zeroed here); returns the chunks' sums
 * added in chunk order (the same order whichever thread ran which chunk).
 */
function reduceRows(
  backend: WasmHeapBackend,
  name: RowFunctionName,
  pointers: number[],
  rows: number,
  channels: number,
  partial: { offset: number; values: Float64Array },
  count: number,
): Float64Array {
  partial.values.fill(0);
  const chunks = rowsFor(backend)(name, [...pointers, partial.offset], rows, channels, partial.offset);
  const total = new Float64Array(count);
  for (let chunk = 0; chunk < chunks; chunk++) {
    for (let i = 0; i < count; i++) total[i]! += partial.values[chunk * count + i]!;
  }
  return total;
}

/**
 * Training-mode BatchNorm on wasm: [y, batch mean, batch variance] in three SIMD passes over x
 * (sum; centred squares; normalise). Channel counts that are not a multiple of 4 run the
 * reference loops on the heap.
 */
function batchNormTrainingWasm({
  inputs,
  backend,
  attrs,
}: {
  inputs: BatchNormInputs;
  backend: WasmHeapBackend;
  attrs: BatchNormAttrs;
}): TensorInfo[] {
  const { x, scale, offset } = inputs;
  requireFloat32(batchNormTrainingKernelName, x, scale, offset);
  const [rows, channels] = batchNormLayout(batchNormTrainingKernelName, x, [scale, offset]);
  const y = backend.makeOutput(x.shape.slice(), 'float32');
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const read = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  if (channels % 4 !== 0) {
    const statistics = batchStatistics(read(x), rows, channels);
    const [xValues, yValues, scaleValues, offsetValues] = [read(x), read(y), read(scale), read(offset)];
    read(mean).set(statistics.mean);
    read(variance).set(statistics.variance);
    for (let c = 0; c < channels; c++) {
      const factor = scaleValues[c]! / Math.sqrt(statistics.variance[c]! + attrs.varianceEpsilon);
      for (let i = c; i < xValues.length; i += channels)
        yValues[i] = (xValues[i]! - statistics.mean[c]!) * factor + offsetValues[c]!;
    }
    return [y, mean, variance];
  }
  const packed = backend.makeOutput([3 * channels], 'float32');
  // Allocated last: heap views taken from here on stay valid (no allocation grows the heap).
  const sums = float64Scratch(backend, maxRowChunks * channels);
  try {
    const xAt = byteOffset(backend, x);
    const sum = reduceRows(backend, 'columnSums', [xAt], rows, channels, sums, channels);
    const meanValues = read(mean);
    for (let c = 0; c < channels; c++) meanValues[c] = sum[c]! / rows;
    const squares = reduceRows(
      backend,
      'centeredSquareSums',
      [xAt, byteOffset(backend, mean)],
      rows,
      channels,
      sums,
      channels,
    );
    const [varianceValues, scaleValues, offsetValues, parameters] = [
      read(variance),
      read(scale),
      read(offset),
      read(packed),
    ];
    for (let c = 0; c < channels; c++) {
      varianceValues[c] = squares[c]! / rows;
      parameters[c] = meanValues[c]!;
      parameters[channels + c] = scaleValues[c]! / Math.sqrt(varianceValues[c]! + attrs.varianceEpsilon);
      parameters[2 * channels + c] = offsetValues[c]!;
    }
    rowsFor(backend)('normalizeChannels', [xAt, byteOffset(backend, packed), byteOffset(backend, y)], rows, channels);
  } finally {
    sums.release();
    backend.disposeData(packed.dataId);
  }
  return [y, mean, variance];
}

/**
 * BatchNorm's backward pass on wasm: [dx, dScale, dOffset] in two SIMD passes (the two
 * per-channel sums over dy and x; then dx). Other channel counts run the reference loops.
 */
function batchNormTrainingGradWasm({
  inputs,
  backend,
  attrs,
}: {
  inputs: BatchNormGradInputs;
  backend: WasmHeapBackend;
  attrs: BatchNormAttrs;
}): TensorInfo[] {
  const { dy, x, mean, variance, scale, meanGradient, varianceGradient } = inputs;
  requireFloat32(batchNormTrainingGradKernelName, dy, x, mean, variance, scale, meanGradient, varianceGradient);
  checkSameShape(batchNormTrainingGradKernelName, x, dy);
  const [rows, channels] = batchNormLayout(batchNormTrainingGradKernelName, x, [
    mean,
    variance,
    scale,
    meanGradient,
    varianceGradient,
  ]);
  const dx = backend.makeOutput(x.shape.slice(), 'float32');
  const scaleGradient = backend.makeOutput(scale.shape.slice(), 'float32');
  const offsetGradient = backend.makeOutput(scale.shape.slice(), 'float32');
  const simd = channels % 4 === 0;
  const packed = backend.makeOutput([4 * channels], 'float32');
  // Allocated last: heap views taken from here on stay valid (no allocation grows the heap).
  const sums = float64Scratch(backend, (simd ? maxRowChunks : 1) * 2 * channels);
  const read = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  try {
    let sumDy: Float64Array;
    let sumDyCentered: Float64Array;
    if (simd) {
      const total = reduceRows(
        backend,
        'batchNormGradientSums',
        [byteOffset(backend, dy), byteOffset(backend, x), byteOffset(backend, mean)],
        rows,
        channels,
        sums,
        2 * channels,
      );
      sumDy = total.subarray(0, channels);
      sumDyCentered = total.subarray(channels);
    } else {
      sums.values.fill(0);
      sumDy = sums.values.subarray(0, channels);
      sumDyCentered = sums.values.subarray(channels, 2 * channels);
      const [dyValues, xValues, meanValues] = [read(dy), read(x), read(mean)];
      for (let r = 0, i = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++, i++) {
          sumDy[c]! += dyValues[i]!;
          sumDyCentered[c]! += dyValues[i]! * (xValues[i]! - meanValues[c]!);
        }
      }
    }
    const meanValues = read(mean);
    const coefficients = batchNormGradCoefficients(
      rows,
      channels,
      read(variance),
      read(scale),
      sumDy,
      sumDyCentered,
      meanGradient ? read(meanGradient) : null,
      varianceGradient ? read(varianceGradient) : null,
      attrs.varianceEpsilon,
    );
    read(scaleGradient).set(coefficients.scaleGradient);
    read(offsetGradient).set(coefficients.offsetGradient);
    if (simd) {
      const parameters = read(packed);
      parameters.set(meanValues, 0);
      parameters.set(coefficients.k, channels);
      parameters.set(coefficients.p, 2 * channels);
      parameters.set(coefficients.q, 3 * channels);
      rowsFor(backend)(
        'batchNormBackward',
        [byteOffset(backend, dy), byteOffset(backend, x), byteOffset(backend, packed), byteOffset(backend, dx)],
        rows,
        channels,
      );
    } else {
      const [dyValues, xValues, dxValues] = [read(dy), read(x), read(dx)];
      const { k, p, q } = coefficients;
      for (let r = 0, i = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++, i++)
          dxValues[i] = dyValues[i]! * k[c]! + (xValues[i]! - meanValues[c]!) * p[c]! + q[c]!;
      }
    }
  } finally {
    sums.release();
    backend.disposeData(packed.dataId);
  }
  return [dx, scaleGradient, offsetGradient];
}
/**
 * Training BatchNorm's gradient with respect to x, scale and offset, including the paths
 * through the batch mean and variance outputs (zero unless something else uses them).
 */
const batchNormTrainingGradient: tf.GradConfig = {
  kernelName: batchNormTrainingKernelName,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, meanGradient, varianceGradient] = dys as tf.Tensor[];
    const [x, scale, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const epsilon = (attrs as unknown as BatchNormAttrs).varianceEpsilon;
    let gradients: tf.Tensor[];
    if (activeBackendHas(batchNormTrainingGradKernelName)) {
      gradients = tf.engine().runKernel(
        batchNormTrainingGradKernelName,
        {
          dy: dy!,
          x,
          mean,
          variance,
          scale,
          ...(meanGradient ? { meanGradient } : {}),
          ...(varianceGradient ? { varianceGradient } : {}),
        },
        { varianceEpsilon: epsilon },
      ) as tf.Tensor[];
    } else {
      gradients = tf.tidy(() => {
        const channels = mean.size;
        const rows = x.size / channels;
        const flatX = tf.reshape(x, [rows, channels]);
        const flatDy = tf.reshape(dy!, [rows, channels]);
        const centered = tf.sub(flatX, mean);
        const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
        const factor = tf.mul(scale, inverseStd);
        const sumDy = tf.sum(flatDy, 0);
        const sumDyCentered = tf.sum(tf.mul(flatDy, centered), 0);
        let p = tf.div(tf.mul(tf.neg(factor), tf.mul(tf.square(inverseStd), sumDyCentered)), rows);
        let q = tf.div(tf.mul(tf.neg(factor), sumDy), rows);
        if (varianceGradient) p = tf.add(p, tf.div(tf.mul(2, varianceGradient), rows));
        if (meanGradient) q = tf.add(q, tf.div(meanGradient, rows));
        const dx = tf.add(tf.add(tf.mul(flatDy, factor), tf.mul(centered, p)), q);
        return [
          tf.reshape(dx, x.shape),
          tf.reshape(tf.mul(sumDyCentered, inverseStd), scale.shape),
          tf.reshape(sumDy, scale.shape),
        ];
      });
    }
    const [dx, scaleGradient, offsetGradient] = gradients as [tf.Tensor, tf.Tensor, tf.Tensor];
    return { x: () => dx, scale: () => scaleGradient, offset: () => offsetGradient };
  },
};

export const batchNormKernels: tf.KernelConfig[] = [
  kernelConfig('FusedBatchNorm', 'wasm', fusedBatchNorm),
  kernelConfig(batchNormTrainingKernelName, 'wasm', batchNormTrainingWasm),
  kernelConfig(batchNormTrainingKernelName, 'cpu', batchNormTrainingCpu),
  kernelConfig(batchNormTrainingGradKernelName, 'wasm', batchNormTrainingGradWasm),
  kernelConfig(batchNormTrainingGradKernelName, 'cpu', batchNormTrainingGradCpu),
];

/**
 * FusedBatchNorm's leaner gradient: the stock one tiles 1/sqrt(var) to the activation size and
 * makes about ten activation-sized tensors; broadcasting needs three (x - mean, dy * (x - mean),
 * dx). And the fused training kernel's gradient.
 */
export const batchNormGradients: tf.GradConfig[] = [fusedBatchNormGrad, batchNormTrainingGradient];
