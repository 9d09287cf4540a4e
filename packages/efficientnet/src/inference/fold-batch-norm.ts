import * as tf from '@tensorflow/tfjs';

/** Inference-mode BatchNorm parameters (`y = (x - mean) / sqrt(variance + epsilon) * gamma + beta`). */
export interface BatchNormParameters {
  readonly gamma: tf.Tensor1D;
  readonly beta: tf.Tensor1D;
  readonly movingMean: tf.Tensor1D;
  readonly movingVariance: tf.Tensor1D;
  readonly epsilon: number;
}

/** A convolution with the BatchNorm after it folded in: `conv(x, filter) + bias`. */
export interface FoldedConvolution {
  /** `[kH, kW, in, out]` for a regular conv, `[kH, kW, channels, 1]` for a depthwise one. */
  readonly filter: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/**
 * Folds an inference-mode BatchNorm into the bias-free convolution before it:
 * `filter' = filter * s` per output channel and `bias' = beta - mean * s`, with
 * `s = gamma / sqrt(variance + epsilon)`. The arithmetic runs in float64, so the folded
 * convolution differs from conv-then-BN only by float32 rounding of the products.
 *
 * @param filter `[kH, kW, in, out]` (regular) or `[kH, kW, channels, multiplier]` (depthwise; output
 *   channel `c * multiplier + m`, TF.js's order).
 * @returns new tensors owned by the caller.
 * @example
 * const { filter, bias } = foldBatchNorm(kernel, { gamma, beta, movingMean, movingVariance, epsilon: 1e-5 });
 * const y = tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 1 });
 */
export function foldBatchNorm(filter: tf.Tensor4D, batchNorm: BatchNormParameters): FoldedConvolution {
  const [kernelHeight, kernelWidth, inChannels, lastAxis] = filter.shape;
  const gamma = batchNorm.gamma.dataSync();
  const beta = batchNorm.beta.dataSync();
  const mean = batchNorm.movingMean.dataSync();
  const variance = batchNorm.movingVariance.dataSync();
  // A depthwise filter's output channel spans its last two axes; a regular one's is the last axis.
  const outChannels = gamma.length;
  if (outChannels !== lastAxis && outChannels !== inChannels * lastAxis) {
    throw new RangeError(
      `foldBatchNorm: BatchNorm has ${outChannels} channels, the filter [${filter.shape.join(', ')}] ` +
        `produces ${lastAxis} (or ${inChannels * lastAxis} depthwise)`,
    );
  }
  if (beta.length !== outChannels || mean.length !== outChannels || variance.length !== outChannels) {
    throw new RangeError('foldBatchNorm: gamma, beta, moving mean and moving variance must have the same length');
  }
  const scale = new Float64Array(outChannels);
  const bias = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    scale[c] = gamma[c]! / Math.sqrt(variance[c]! + batchNorm.epsilon);
    bias[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  const values = filter.dataSync();
  const folded = new Float32Array(values.length);
  // Row-major [kH, kW, in, last]: the output channel of element i is i mod outChannels in both layouts.
  for (let i = 0; i < values.length; i++) folded[i] = values[i]! * scale[i % outChannels]!;
  return {
    filter: tf.tensor4d(folded, [kernelHeight, kernelWidth, inChannels, lastAxis], 'float32'),
    bias: tf.tensor1d(bias, 'float32'),
  };
}
