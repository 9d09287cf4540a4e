import * as tf from '@tensorflow/tfjs';
import type { BlockSpec } from '../configs.js';
import { StochasticDepth } from '../layers/stochastic-depth.js';
import { applyLayer, convNormActivation, type BlockContext } from './conv-norm-activation.js';
import { squeezeExcitation } from './squeeze-excitation.js';

/** Residual add with stochastic depth on the branch (torchvision: `block(x)` → SD → `+= x`). */
function residual(
  branch: tf.SymbolicTensor,
  input: tf.SymbolicTensor,
  spec: BlockSpec,
  prefix: string,
): tf.SymbolicTensor {
  let x = branch;
  if (spec.stochasticDepthRate > 0) {
    x = applyLayer(
      new StochasticDepth({ rate: spec.stochasticDepthRate, mode: 'row', name: `${prefix}.stochastic_depth` }),
      x,
    );
  }
  return applyLayer(tf.layers.add({ name: `${prefix}.add` }), [x, input]);
}

/**
 * torchvision `MBConv`: [1x1 expand + BN + SiLU] → depthwise k×k + BN + SiLU → SE (squeeze from
 * the block input channels) → 1x1 project + BN, plus the residual when stride 1 and in == out.
 * `prefix` is the block's module path, e.g. `features.2.0`.
 */
export function mbConvBlock(
  input: tf.SymbolicTensor,
  spec: BlockSpec,
  prefix: string,
  context: BlockContext,
): tf.SymbolicTensor {
  let x = input;
  let layerIndex = 0;
  const next = () => `${prefix}.block.${layerIndex++}`;
  if (spec.expandedChannels !== spec.inputChannels) {
    x = convNormActivation(
      x,
      { prefix: next(), filters: spec.expandedChannels, kernelSize: 1, stride: 1, activation: true },
      context,
    );
  }
  x = convNormActivation(
    x,
    {
      prefix: next(),
      filters: spec.expandedChannels,
      kernelSize: spec.kernelSize,
      stride: spec.stride,
      depthwise: true,
      activation: true,
    },
    context,
  );
  x = squeezeExcitation(x, next(), spec.squeezeChannels);
  x = convNormActivation(
    x,
    { prefix: next(), filters: spec.outputChannels, kernelSize: 1, stride: 1, activation: false },
    context,
  );
  return spec.useResidual ? residual(x, input, spec, prefix) : x;
}

/**
 * torchvision `FusedMBConv`: k×k expand conv + BN + SiLU → 1x1 project + BN; without
 * expansion a single k×k conv + BN that keeps its SiLU. No squeeze-excitation.
 */
export function fusedMbConvBlock(
  input: tf.SymbolicTensor,
  spec: BlockSpec,
  prefix: string,
  context: BlockContext,
): tf.SymbolicTensor {
  let x: tf.SymbolicTensor;
  if (spec.expandedChannels !== spec.inputChannels) {
    x = convNormActivation(
      input,
      {
        prefix: `${prefix}.block.0`,
        filters: spec.expandedChannels,
        kernelSize: spec.kernelSize,
        stride: spec.stride,
        activation: true,
      },
      context,
    );
    x = convNormActivation(
      x,
      { prefix: `${prefix}.block.1`, filters: spec.outputChannels, kernelSize: 1, stride: 1, activation: false },
      context,
    );
  } else {
    x = convNormActivation(
      input,
      {
        prefix: `${prefix}.block.0`,
        filters: spec.outputChannels,
        kernelSize: spec.kernelSize,
        stride: spec.stride,
        activation: true,
      },
      context,
    );
  }
  return spec.useResidual ? residual(x, input, spec, prefix) : x;
}
