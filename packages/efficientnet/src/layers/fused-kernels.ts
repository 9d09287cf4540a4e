import * as tf from '@tensorflow/tfjs';
import { batchNormTrainingKernelName, siluKernelName } from '../../../../internal/kernel-names.js';

/**
 * Fused kernels that a backend extension may register (`@art/backend` does, for wasm and cpu):
 * SiLU in one pass, and training-mode BatchNorm (batch statistics and normalisation) in one
 * kernel, each with a registered gradient. Looked up by name through tf, so this package does
 * not depend on the extension; where a kernel or its gradient is missing on the active backend
 * the layers compute the same function with plain ops, as before.
 */

/** Whether `kernelName` runs on the active backend and has a gradient (so it can train). */
function fusedKernelAvailable(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined && tf.getGradient(kernelName) !== undefined;
}

type ActivationFunction = { apply(x: tf.Tensor, alpha?: number): tf.Tensor };
type ActivationClass = new () => ActivationFunction;
type LayerWithActivation = tf.layers.Layer & { activation: ActivationFunction };

/** tfjs-layers' own Swish activation class (not exported), taken from a throwaway layer. */
const StockSwish = Object.getPrototypeOf(
  (tf.layers.activation({ activation: 'swish', name: 'art_swish_class_probe' }) as LayerWithActivation).activation,
).constructor as ActivationClass;

/**
 * tfjs-layers' `swish` (x * sigmoid(x)), computed by the fused `ArtSilu` kernel when the active
 * backend has it. A subclass of the stock class with its class name, so layers that use it
 * serialise as `activation: 'swish'` and load anywhere.
 */
class FusedSwish extends StockSwish {
  override apply(x: tf.Tensor, alpha = 1): tf.Tensor {
    if (alpha === 1 && x.dtype === 'float32' && fusedKernelAvailable(siluKernelName)) {
      return tf.engine().runKernel(siluKernelName, { x }) as tf.Tensor;
    }
    return super.apply(x, alpha);
  }
}

/**
 * An `Activation` layer computing SiLU (`activation: 'swish'`), through the fused kernel where
 * there is one. Same configuration and serialisation as `tf.layers.activation({ activation: 'swish' })`.
 */
export function siluActivation(name: string): tf.layers.Layer {
  const layer = tf.layers.activation({ activation: 'swish', name }) as LayerWithActivation;
  layer.activation = new FusedSwish();
  return layer;
}

interface BatchNormalizationInternals {
  axis: number;
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}
type BatchNormalizationLayer = tf.layers.Layer & BatchNormalizationInternals;
type BatchNormalizationClass = new (
  args: Parameters<typeof tf.layers.batchNormalization>[0],
) => BatchNormalizationLayer;

/** tfjs-layers' BatchNormalization class (not exported), taken from a throwaway layer. */
const StockBatchNormalization = Object.getPrototypeOf(
  tf.layers.batchNormalization({ name: 'art_batch_normalization_class_probe' }),
).constructor as BatchNormalizationClass;

/**
 * tfjs-layers' `BatchNormalization` with PyTorch's training mode: normalise with the batch's
 * (biased) statistics, then update the running mean with the batch mean and the running
 * variance with the **unbiased** batch variance (`var * n / (n - 1)`, n = N·H·W), as
 * `nn.BatchNorm2d` does (tfjs-layers updates it with the biased one, which drifts low on small
 * batches). Channels-last training runs the fused `ArtBatchNormTraining` kernel when the active
 * backend has it, else tf.moments + batchNorm. Inference runs the stock layer. Serialises as the
 * stock class (its class name is inherited).
 */
export class FusedBatchNormalization extends StockBatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const rank = input.shape.length;
    const lastAxis = this.axis === -1 || this.axis === rank - 1;
    if (
      kwargs.training !== true ||
      !lastAxis ||
      !this.center ||
      !this.scale ||
      input.dtype !== 'float32' ||
      input.size === 0
    ) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      let normalized: tf.Tensor;
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (fusedKernelAvailable(batchNormTrainingKernelName)) {
        [normalized, mean, variance] = tf
          .engine()
          .runKernel(
            batchNormTrainingKernelName,
            { x: input, scale: this.gamma.read(), offset: this.beta.read() },
            { varianceEpsilon: this.epsilon },
          ) as [tf.Tensor, tf.Tensor, tf.Tensor];
      } else {
        const axes = Array.from({ length: rank - 1 }, (_, i) => i);
        ({ mean, variance } = tf.moments(input, axes));
        normalized = tf.batchNorm(input, mean, variance, this.beta.read(), this.gamma.read(), this.epsilon);
      }
      const count = input.size / input.shape[rank - 1]!;
      // PyTorch: running = (1 - m) * running + m * batch, with m = 1 - Keras momentum.
      const updateRunning = (variable: tf.LayerVariable, value: tf.Tensor) => {
        tf.tidy(() => {
          const current = variable.read();
          variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - this.momentum)));
        });
      };
      updateRunning(this.movingMean, mean);
      updateRunning(this.movingVariance, count > 1 ? tf.mul(variance, count / (count - 1)) : variance);
      return normalized;
    });
  }
}

/** `tf.layers.batchNormalization(args)` with the fused training path of {@link FusedBatchNormalization}. */
export function batchNormalization(args: Parameters<typeof tf.layers.batchNormalization>[0]): tf.layers.Layer {
  return new FusedBatchNormalization(args);
}
