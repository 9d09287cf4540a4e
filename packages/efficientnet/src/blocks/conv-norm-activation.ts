import * as tf from '@tensorflow/tfjs';
import { batchNormalization, siluActivation } from '../layers/fused-kernels.js';

/** How fresh weights are initialised: torchvision's scheme (seeded), or zeros (cheap; use before loading weights). */
export type InitializerMode = 'torchvision' | 'zeros';

/**
 * Shared settings every block needs. Layers are created with zero kernels: the torchvision
 * init is applied to the finished model by `initializeTorchvisionWeights`.
 */
export interface BlockContext {
  readonly batchNorm: { readonly epsilon: number; readonly momentum: number };
}

/** Options of {@link convNormActivation}. */
export interface ConvNormActivationOptions {
  /** torchvision module path, e.g. `features.2.0.block.1`; the conv is `<prefix>.0`, the BN `<prefix>.1`. */
  prefix: string;
  filters: number;
  kernelSize: number;
  stride: number;
  /** Depthwise conv (`groups == channels`); `filters` must then equal the input channels. */
  depthwise?: boolean;
  /** Apply SiLU after BN (torchvision passes `activation_layer=None` for projections). */
  activation: boolean;
}

/** Applies a layer to a symbolic tensor with the right static type. */
export const applyLayer = (layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor =>
  layer.apply(input) as tf.SymbolicTensor;

/**
 * torchvision `Conv2dNormActivation`: conv (no bias) → BatchNorm → optional SiLU, with
 * symmetric `(k-1)//2` zero padding also at stride 2. TF 'same' pads (0,1) on even sizes
 * at stride 2, so those convs get an explicit ZeroPadding2D and 'valid'.
 */
export function convNormActivation(
  input: tf.SymbolicTensor,
  options: ConvNormActivationOptions,
  context: BlockContext,
): tf.SymbolicTensor {
  const { prefix, filters, kernelSize, stride, depthwise = false, activation } = options;
  const pad = Math.floor((kernelSize - 1) / 2);
  let x = input;
  let padding: 'same' | 'valid' = 'valid';
  if (pad > 0) {
    if (stride === 1 && kernelSize % 2 === 1) {
      padding = 'same'; // symmetric at stride 1 with odd kernels: identical and avoids a copy
    } else {
      x = applyLayer(
        tf.layers.zeroPadding2d({
          padding: [
            [pad, pad],
            [pad, pad],
          ],
          name: `${prefix}.pad`,
        }),
        x,
      );
    }
  }
  const conv = depthwise
    ? tf.layers.depthwiseConv2d({
        kernelSize,
        strides: stride,
        padding,
        depthMultiplier: 1,
        useBias: false,
        name: `${prefix}.0`,
        depthwiseInitializer: 'zeros',
      })
    : tf.layers.conv2d({
        filters,
        kernelSize,
        strides: stride,
        padding,
        useBias: false,
        name: `${prefix}.0`,
        kernelInitializer: 'zeros',
      });
  x = applyLayer(conv, x);
  x = applyLayer(
    batchNormalization({
      axis: -1,
      epsilon: context.batchNorm.epsilon,
      // PyTorch: running = (1 - m) * running + m * batch. Keras: running = k * running + (1 - k) * batch.
      momentum: 1 - context.batchNorm.momentum,
      name: `${prefix}.1`,
    }),
    x,
  );
  if (activation) x = applyLayer(siluActivation(`${prefix}.2`), x);
  return x;
}
