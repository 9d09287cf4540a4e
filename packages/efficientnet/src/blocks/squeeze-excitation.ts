import * as tf from '@tensorflow/tfjs';
import { applyLayer } from './conv-norm-activation.js';

/**
 * torchvision `ops.SqueezeExcitation` with SiLU inside and a sigmoid gate:
 * mean over H,W → fc1 (1x1 conv, bias) → SiLU → fc2 (1x1 conv, bias) → sigmoid → scale input.
 * Weights are named `<prefix>.fc1` / `<prefix>.fc2` like torchvision's state_dict.
 */
export function squeezeExcitation(
  input: tf.SymbolicTensor,
  prefix: string,
  squeezeChannels: number,
): tf.SymbolicTensor {
  const channels = input.shape[input.shape.length - 1] as number;
  const kernelInitializer = 'zeros';
  let scale = applyLayer(tf.layers.globalAveragePooling2d({ name: `${prefix}.avgpool` }), input);
  scale = applyLayer(tf.layers.reshape({ targetShape: [1, 1, channels], name: `${prefix}.reshape` }), scale);
  scale = applyLayer(
    tf.layers.conv2d({
      filters: squeezeChannels,
      kernelSize: 1,
      activation: 'swish',
      kernelInitializer,
      name: `${prefix}.fc1`,
    }),
    scale,
  );
  scale = applyLayer(
    tf.layers.conv2d({
      filters: channels,
      kernelSize: 1,
      activation: 'sigmoid',
      kernelInitializer,
      name: `${prefix}.fc2`,
    }),
    scale,
  );
  return applyLayer(tf.layers.multiply({ name: `${prefix}.scale` }), [input, scale]);
}
