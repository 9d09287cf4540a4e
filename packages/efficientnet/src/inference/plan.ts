import * as tf from '@tensorflow/tfjs';
import type { EfficientNet } from '../efficientnet.js';
import type { BlockSpec } from '../configs.js';
import { foldBatchNorm, type FoldedConvolution } from './fold-batch-norm.js';

/** A convolution + folded BatchNorm (+ SiLU) of the inference graph. */
export interface ConvolutionStep extends FoldedConvolution {
  readonly depthwise: boolean;
  readonly stride: number;
  /** torchvision's symmetric `(k - 1) // 2` on all four sides, also at stride 2. */
  readonly padding: number;
  readonly activation: boolean;
}

/** Squeeze-excitation weights, its two 1x1 convolutions as dense kernels. */
export interface SqueezeExcitationStep {
  /** fc1 as a dense kernel `[C, squeeze]` and its bias. */
  readonly reduceKernel: tf.Tensor2D;
  readonly reduceBias: tf.Tensor1D;
  /** fc2 as a dense kernel `[squeeze, C]` and its bias. */
  readonly expandKernel: tf.Tensor2D;
  readonly expandBias: tf.Tensor1D;
}

/** One MBConv / FusedMBConv block. */
export interface BlockStep {
  /** The `features.<stage>` module the block belongs to. */
  readonly stage: number;
  readonly convolutions: readonly ConvolutionStep[];
  /** MBConv only: applied after the convolution at `squeezeAfter`. */
  readonly squeezeExcitation: SqueezeExcitationStep | null;
  readonly squeezeAfter: number;
  readonly residual: boolean;
}

/** A Dense layer: `x · kernel + bias`, kernel `[in, out]`. */
export interface DenseStep {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
  /** ReLU on the input first (the pyramid head: ReLU → Linear on the 1000 ImageNet logits). */
  readonly reluBefore: boolean;
}

/**
 * An EfficientNet in eval mode with every BatchNorm folded, as the fast TF.js path and the ONNX
 * exporter both run it. Stochastic depth and dropout are the identity at inference, so absent.
 */
export interface InferencePlan {
  /** `features.0`. */
  readonly stem: ConvolutionStep;
  readonly blocks: readonly BlockStep[];
  /** The 1x1 head convolution `features.<last>`. */
  readonly head: ConvolutionStep;
  /** `classifier.1` (then `head.1` for the seed and pyramid heads); empty without the top. */
  readonly classifier: readonly DenseStep[];
  /** Every tensor the plan owns (kept out of any enclosing `tf.tidy`). */
  readonly tensors: readonly tf.Tensor[];
}

function layerWeight(net: EfficientNet, layerName: string, suffix: string): tf.Tensor {
  const layer = net.model.getLayer(layerName);
  const weight = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
  if (weight === undefined) throw new Error(`layer "${layerName}" of ${net.model.name} has no "${suffix}" weight`);
  return weight.read();
}

function foldedConvolution(
  net: EfficientNet,
  prefix: string,
  depthwise: boolean,
  kernelSize: number,
  stride: number,
  activation: boolean,
): ConvolutionStep {
  const filter = layerWeight(net, `${prefix}.0`, depthwise ? 'depthwise_kernel' : 'kernel') as tf.Tensor4D;
  const batchNormLayer = net.model.getLayer(`${prefix}.1`);
  const epsilon = (batchNormLayer.getConfig() as { epsilon: number }).epsilon;
  const folded = foldBatchNorm(filter, {
    gamma: layerWeight(net, `${prefix}.1`, 'gamma') as tf.Tensor1D,
    beta: layerWeight(net, `${prefix}.1`, 'beta') as tf.Tensor1D,
    movingMean: layerWeight(net, `${prefix}.1`, 'moving_mean') as tf.Tensor1D,
    movingVariance: layerWeight(net, `${prefix}.1`, 'moving_variance') as tf.Tensor1D,
    epsilon,
  });
  return { ...folded, depthwise, stride, padding: Math.floor((kernelSize - 1) / 2), activation };
}

function pointwiseAsDense(net: EfficientNet, layerName: string): DenseStep {
  const kernel = layerWeight(net, layerName, 'kernel');
  const [, , inChannels, outChannels] = kernel.shape as [number, number, number, number];
  return {
    kernel: tf.reshape(kernel, [inChannels, outChannels]),
    bias: tf.clone(layerWeight(net, layerName, 'bias')) as tf.Tensor1D,
    reluBefore: false,
  };
}

function blockStep(net: EfficientNet, spec: BlockSpec): BlockStep {
  const prefix = `features.${spec.stage}.${spec.index}.block`;
  const convolutions: ConvolutionStep[] = [];
  if (spec.block === 'FusedMBConv') {
    convolutions.push(foldedConvolution(net, `${prefix}.0`, false, spec.kernelSize, spec.stride, true));
    if (spec.expandedChannels !== spec.inputChannels)
      convolutions.push(foldedConvolution(net, `${prefix}.1`, false, 1, 1, false));
    return { stage: spec.stage, convolutions, squeezeExcitation: null, squeezeAfter: -1, residual: spec.useResidual };
  }
  let layerIndex = 0;
  if (spec.expandedChannels !== spec.inputChannels) {
    convolutions.push(foldedConvolution(net, `${prefix}.${layerIndex++}`, false, 1, 1, true));
  }
  convolutions.push(foldedConvolution(net, `${prefix}.${layerIndex++}`, true, spec.kernelSize, spec.stride, true));
  const squeezeAfter = convolutions.length - 1;
  const squeezePrefix = `${prefix}.${layerIndex++}`;
  const reduce = pointwiseAsDense(net, `${squeezePrefix}.fc1`);
  const expand = pointwiseAsDense(net, `${squeezePrefix}.fc2`);
  convolutions.push(foldedConvolution(net, `${prefix}.${layerIndex++}`, false, 1, 1, false));
  return {
    stage: spec.stage,
    convolutions,
    squeezeExcitation: {
      reduceKernel: reduce.kernel,
      reduceBias: reduce.bias,
      expandKernel: expand.kernel,
      expandBias: expand.bias,
    },
    squeezeAfter,
    residual: spec.useResidual,
  };
}

/**
 * Reads an EfficientNet's weights once and folds every BatchNorm into the convolution before it.
 * The plan's tensors belong to the caller: `tf.dispose(plan.tensors)` when done.
 *
 * @param net any built EfficientNet (variant, head, with or without top).
 * @example
 * const plan = foldNetwork(net);
 * console.log(plan.blocks.length);
 * tf.dispose(plan.tensors);
 */
export function foldNetwork(net: EfficientNet): InferencePlan {
  const { architecture, options } = net;
  let plan: InferencePlan | undefined;
  // Intermediates (reshapes, reads) go with the tidy; the plan's tensors are kept.
  tf.tidy(() => {
    const stem = foldedConvolution(net, 'features.0', false, 3, 2, true);
    const blocks = architecture.stages.flat().map((spec) => blockStep(net, spec));
    const head = foldedConvolution(net, `features.${architecture.stages.length + 1}`, false, 1, 1, true);
    const classifier: DenseStep[] = [];
    if (options.includeTop) {
      const denseNames = options.head === 'replace' ? ['classifier.1'] : ['classifier.1', 'head.1'];
      for (const name of denseNames) {
        const reluBefore = name === 'head.1' && options.head === 'pyramid';
        classifier.push({
          kernel: tf.clone(layerWeight(net, name, 'kernel')) as tf.Tensor2D,
          bias: tf.clone(layerWeight(net, name, 'bias')) as tf.Tensor1D,
          reluBefore,
        });
      }
    }
    const tensors: tf.Tensor[] = [];
    for (const step of [stem, ...blocks.flatMap((block) => block.convolutions), head])
      tensors.push(step.filter, step.bias);
    for (const block of blocks) {
      const se = block.squeezeExcitation;
      if (se !== null) tensors.push(se.reduceKernel, se.reduceBias, se.expandKernel, se.expandBias);
    }
    for (const dense of classifier) tensors.push(dense.kernel, dense.bias);
    tensors.forEach((tensor) => tf.keep(tensor));
    plan = { stem, blocks, head, classifier, tensors };
  });
  return plan!;
}
