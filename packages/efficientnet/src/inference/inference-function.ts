import * as tf from '@tensorflow/tfjs';
import { scaleChannelsKernelName, siluKernelName } from '../../../../internal/kernel-names.js';
import type { EfficientNet } from '../efficientnet.js';
import { foldNetwork, type BlockStep, type ConvolutionStep, type SqueezeExcitationStep } from './plan.js';

/** Options of {@link createInferenceFunction}. */
export interface InferenceFunctionOptions {
  /**
   * Largest batch run through the network at once; bigger inputs are split and the results
   * concatenated. Default: no split.
   */
  maxBatchSize?: number;
}

/**
 * A compiled inference function: `predict(x)` gives what `net.model.predict(x)` gives (logits,
 * or pooled/spatial features without the top), as a new tensor the caller disposes.
 */
export interface InferenceFunction {
  (input: tf.Tensor4D): tf.Tensor;
  /** Releases the folded weights (the network's own weights are untouched). */
  dispose(): void;
  /** What the function runs, for logs and benchmarks. */
  readonly description: string;
}

/** Which elementwise implementation a call uses, decided once per call for the active backend. */
interface Elementwise {
  silu(x: tf.Tensor): tf.Tensor;
  /** `x * gate` with gate `[N, C]` broadcast over H and W. */
  scaleChannels(x: tf.Tensor4D, gate: tf.Tensor2D): tf.Tensor4D;
}

// The kernels `@art/backend` registers (one SIMD pass each on wasm) are looked up by name, so that
// this package does not depend on it. Without them the same mathematics runs as plain ops.
const plainElementwise: Elementwise = {
  silu: (x) => tf.mul(x, tf.sigmoid(x)),
  scaleChannels: (x, gate) => tf.mul(x, tf.reshape(gate, [gate.shape[0], 1, 1, gate.shape[1]])),
};

const kernelElementwise: Elementwise = {
  silu: (x) => tf.engine().runKernel(siluKernelName, { x }) as tf.Tensor,
  scaleChannels: (x, gate) => tf.engine().runKernel(scaleChannelsKernelName, { x, scale: gate }) as tf.Tensor4D,
};

function elementwiseFor(backendName: string): Elementwise {
  return tf.getKernel(siluKernelName, backendName) !== undefined &&
    tf.getKernel(scaleChannelsKernelName, backendName) !== undefined
    ? kernelElementwise
    : plainElementwise;
}

/**
 * Mean over H and W as a full-window average pool: tfjs-backend-wasm's Mean transposes NHWC to
 * put the reduced axes last (a copy of the whole activation), its AvgPool reads it in place.
 */
function spatialMean(x: tf.Tensor4D): tf.Tensor2D {
  const [batch, height, width, channels] = x.shape;
  return tf.reshape(tf.avgPool(x, [height, width], 1, 'valid'), [batch, channels]);
}

function runConvolution(x: tf.Tensor4D, step: ConvolutionStep, elementwise: Elementwise): tf.Tensor4D {
  const args = { x, filter: step.filter, bias: step.bias, strides: step.stride, pad: step.padding };
  const y = step.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
  return (step.activation ? elementwise.silu(y) : y) as tf.Tensor4D;
}

function runSqueezeExcitation(x: tf.Tensor4D, step: SqueezeExcitationStep, elementwise: Elementwise): tf.Tensor4D {
  const hidden = elementwise.silu(
    tf.fused.matMul({ a: spatialMean(x), b: step.reduceKernel, bias: step.reduceBias }),
  ) as tf.Tensor2D;
  const gate = tf.fused.matMul({
    a: hidden,
    b: step.expandKernel,
    bias: step.expandBias,
    activation: 'sigmoid',
  }) as tf.Tensor2D;
  return elementwise.scaleChannels(x, gate);
}

function runBlock(input: tf.Tensor4D, block: BlockStep, elementwise: Elementwise): tf.Tensor4D {
  let x = input;
  block.convolutions.forEach((step, index) => {
    x = runConvolution(x, step, elementwise);
    if (block.squeezeExcitation !== null && index === block.squeezeAfter)
      x = runSqueezeExcitation(x, block.squeezeExcitation, elementwise);
  });
  // Stochastic depth is the identity at inference.
  return block.residual ? tf.add(x, input) : x;
}

/**
 * Compiles an EfficientNet into a fast inference function with the same outputs as
 * `net.model.predict`: every BatchNorm is folded into the convolution before it (weights
 * scaled, bias added), convolutions run as `tf.fused.conv2d` / `tf.fused.depthwiseConv2d` with
 * torchvision's symmetric padding passed to the kernel (no padded copies), and the
 * squeeze-excitation and classifier run as fused matMuls after a full-window average pool
 * (tfjs-backend-wasm's Mean transposes the whole activation first). SiLU and the
 * squeeze-excitation scaling use the `ArtSilu` / `ArtScaleChannels` kernels when
 * `@art/backend` has registered them for the active backend (one multi-threaded SIMD pass
 * each on wasm), else `x * sigmoid(x)` and a broadcasting multiply. On stock wasm the layers
 * model spends a fifth of its time in BatchNorm (a scalar loop) and more in pad copies and
 * Mean; this path has none of them.
 *
 * The weights are read once, here: create the function after loading or training, and
 * create a new one (disposing the old) after the weights change.
 *
 * @param net a built EfficientNet (any variant, head or feature-extractor configuration).
 * @returns `predict(x)` for `[N, H, W, 3]` float32 input normalised as for the model; runs in a
 *   `tf.tidy`, so only the returned tensor survives. Call `predict.dispose()` when done.
 * @example
 * const predict = createInferenceFunction(net);
 * const logits = predict(images); // same as net.model.predict(images)
 * predict.dispose();
 */
export function createInferenceFunction(net: EfficientNet, options: InferenceFunctionOptions = {}): InferenceFunction {
  const maxBatchSize = options.maxBatchSize ?? Number.POSITIVE_INFINITY;
  if (!(maxBatchSize === Number.POSITIVE_INFINITY || (Number.isInteger(maxBatchSize) && maxBatchSize > 0))) {
    throw new RangeError(`options.maxBatchSize must be a positive integer; got ${String(options.maxBatchSize)}`);
  }
  const { options: netOptions } = net;
  const { stem, blocks, head, classifier, tensors: owned } = foldNetwork(net);

  const run = (input: tf.Tensor4D): tf.Tensor => {
    const elementwise = elementwiseFor(tf.getBackend());
    let x = runConvolution(input.dtype === 'float32' ? input : tf.cast(input, 'float32'), stem, elementwise);
    for (const block of blocks) x = runBlock(x, block, elementwise);
    x = runConvolution(x, head, elementwise);
    if (!netOptions.includeTop && netOptions.pooling === 'none') return x;
    let y: tf.Tensor = spatialMean(x);
    // Dropout is the identity at inference.
    for (const dense of classifier)
      y = tf.fused.matMul({ a: (dense.reluBefore ? tf.relu(y) : y) as tf.Tensor2D, b: dense.kernel, bias: dense.bias });
    return y;
  };

  let disposed = false;
  const predict = ((input: tf.Tensor4D): tf.Tensor => {
    if (disposed) throw new Error('createInferenceFunction: this function was disposed');
    if (!(input instanceof tf.Tensor) || input.rank !== 4 || input.shape[3] !== 3) {
      throw new TypeError(
        `predict expects a [N, H, W, 3] tensor; got ${input instanceof tf.Tensor ? `shape [${input.shape.join(', ')}]` : String(input)}`,
      );
    }
    const batch = input.shape[0];
    if (batch <= maxBatchSize) return tf.tidy(() => run(input));
    const parts: tf.Tensor[] = [];
    try {
      for (let start = 0; start < batch; start += maxBatchSize) {
        const size = Math.min(maxBatchSize, batch - start);
        parts.push(tf.tidy(() => run(tf.slice(input, [start, 0, 0, 0], [size, -1, -1, -1]))));
      }
      return tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  }) as InferenceFunction;
  Object.defineProperties(predict, {
    dispose: {
      value: () => {
        if (disposed) return;
        disposed = true;
        tf.dispose([...owned]);
      },
    },
    description: {
      get: () =>
        'BatchNorm folded into fused convolutions, symmetric padding inside the conv kernels, squeeze-excitation as avgPool + fused matMuls, ' +
        (elementwiseFor(tf.getBackend()) === kernelElementwise
          ? `SiLU and channel scaling by the ${siluKernelName}/${scaleChannelsKernelName} kernels`
          : 'SiLU as x * sigmoid(x)'),
    },
  });
  return predict;
}
