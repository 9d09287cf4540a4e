import * as tf from '@tensorflow/tfjs';
import { fusedMbConvBlock, mbConvBlock } from './blocks/mbconv.js';
import {
  applyLayer,
  convNormActivation,
  type BlockContext,
  type InitializerMode,
} from './blocks/conv-norm-activation.js';
import {
  EfficientNet,
  HEADS,
  type EfficientNetHead,
  type FeatureInfo,
  type ResolvedEfficientNetOptions,
} from './efficientnet.js';
import { initializeTorchvisionWeights } from './init.js';
import { maskedDropout } from './layers/random-masks.js';
import { resolveArchitecture, validateConfig, type EfficientNetConfig } from './configs.js';

/** Options shared by `buildEfficientNet` and every named variant. */
export interface EfficientNetOptions {
  /** Output classes of the (new) classifier. Default 1000. */
  numClasses?: number;
  /**
   * Input `[height, width]` (or one number for a square). Default `null`: any size, the
   * spatial dimensions stay dynamic (`[null, null, 3]`).
   */
  inputSize?: number | readonly [number, number] | null;
  /** Keep the classifier. Default `true`. With `false` the model ends at `pooling`. */
  includeTop?: boolean;
  /** Output when `includeTop` is false: `'avg'` pooled `[N, C]` (default) or `'none'` spatial `[N, h, w, C]`. */
  pooling?: 'avg' | 'none';
  /**
   * `'replace'` (default): torchvision's classifier sized to `numClasses`.
   * `'seed'`: keep the 1000-way ImageNet classifier, then Dropout(`headDropout`) and
   * Dense(`numClasses`) named `head.1` (the seed's BaseModel).
   * `'pyramid'`: keep the 1000-way classifier, then ReLU and Dense(`numClasses`) named `head.1`
   * (the seed's PyramidNet: `Sequential(backbone, ReLU(), Linear(1000, n))`).
   * The new Dense of `'seed'` and `'pyramid'` is initialised as `nn.Linear`'s default.
   */
  head?: EfficientNetHead;
  /** Dropout before the classifier. Default: the variant's (0.2 for B0). */
  dropout?: number;
  /** Dropout before the seed head's Dense. Default: `dropout`. */
  headDropout?: number;
  /** Stochastic-depth probability of the last block. Default: the config's (0.2). */
  stochasticDepthProb?: number;
  /**
   * `'torchvision'` (default): torchvision's random init, seeded by `seed`; `'zeros'`: skip
   * random init (use when weights are loaded right after).
   */
  initializer?: InitializerMode;
  /** Seed of the `'torchvision'` init. Default 0 (deterministic). */
  seed?: number;
  /** Model name. Default `efficientnet_<config.name>`. */
  name?: string;
}

const positiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;
const probability = (value: unknown): value is number => typeof value === 'number' && value >= 0 && value < 1;

function resolveOptions(config: EfficientNetConfig, options: EfficientNetOptions): ResolvedEfficientNetOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`options must be an object; got ${String(options)}`);
  const numClasses = options.numClasses ?? 1000;
  if (!positiveInteger(numClasses))
    throw new RangeError(`options.numClasses must be a positive integer; got ${String(options.numClasses)}`);
  let inputSize: [number | null, number | null] = [null, null];
  if (options.inputSize != null) {
    const size = typeof options.inputSize === 'number' ? [options.inputSize, options.inputSize] : options.inputSize;
    if (!Array.isArray(size) || size.length !== 2 || !size.every(positiveInteger)) {
      throw new RangeError(
        `options.inputSize must be a positive integer or [height, width]; got ${JSON.stringify(options.inputSize)}`,
      );
    }
    inputSize = [size[0]!, size[1]!];
  }
  const includeTop = options.includeTop ?? true;
  if (typeof includeTop !== 'boolean')
    throw new TypeError(`options.includeTop must be a boolean; got ${String(includeTop)}`);
  const pooling = options.pooling ?? 'avg';
  if (pooling !== 'avg' && pooling !== 'none')
    throw new RangeError(`options.pooling must be one of avg, none; got ${JSON.stringify(pooling)}`);
  const head = options.head ?? 'replace';
  if (!HEADS.includes(head))
    throw new RangeError(`options.head must be one of ${HEADS.join(', ')}; got ${JSON.stringify(head)}`);
  const dropout = options.dropout ?? config.dropout;
  if (!probability(dropout)) throw new RangeError(`options.dropout must be in [0, 1); got ${String(dropout)}`);
  const headDropout = options.headDropout ?? dropout;
  if (!probability(headDropout))
    throw new RangeError(`options.headDropout must be in [0, 1); got ${String(headDropout)}`);
  const stochasticDepthProb = options.stochasticDepthProb ?? config.stochasticDepthProb;
  if (!probability(stochasticDepthProb))
    throw new RangeError(`options.stochasticDepthProb must be in [0, 1); got ${String(stochasticDepthProb)}`);
  const initializer = options.initializer ?? 'torchvision';
  if (initializer !== 'torchvision' && initializer !== 'zeros')
    throw new RangeError(`options.initializer must be one of torchvision, zeros; got ${JSON.stringify(initializer)}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`options.seed must be an integer; got ${String(options.seed)}`);
  const name = options.name ?? `efficientnet_${config.name.replace(/-/g, '_')}`;
  return {
    numClasses,
    inputSize,
    includeTop,
    pooling,
    head,
    dropout,
    headDropout,
    stochasticDepthProb,
    initializer,
    seed,
    name,
  };
}

/**
 * Builds an EfficientNet from a config row, exactly as torchvision's `EfficientNet` class does.
 *
 * @param config a row of `EFFICIENTNET_CONFIGS`, `withMultipliers(...)`, or a custom stage table.
 * @param options see {@link EfficientNetOptions}; defaults: 1000 classes, any input size, top included.
 * @example
 * const net = buildEfficientNet(efficientNetConfig('b0'), { numClasses: 10, inputSize: 224 });
 * const logits = net.model.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor;
 */
export function buildEfficientNet(config: EfficientNetConfig, options: EfficientNetOptions = {}): EfficientNet {
  validateConfig(config);
  const resolved = resolveOptions(config, options);
  const architecture = resolveArchitecture({ ...config, stochasticDepthProb: resolved.stochasticDepthProb });
  // Layers are created with zero initializers (cheap); the torchvision init is applied after,
  // with a fast seeded generator (TF.js's own random initializers take seconds on big variants).
  const context: BlockContext = { batchNorm: config.batchNorm };

  const input = tf.input({ shape: [resolved.inputSize[0], resolved.inputSize[1], 3], name: 'input', dtype: 'float32' });
  let x = convNormActivation(
    input,
    { prefix: 'features.0', filters: architecture.stemChannels, kernelSize: 3, stride: 2, activation: true },
    context,
  );
  const stageOutputs: tf.SymbolicTensor[] = [x];
  let reduction = 2;
  const featureInfo: FeatureInfo[] = [
    { stage: 0, channels: architecture.stemChannels, reduction, module: 'features.0', blocks: 0 },
  ];
  for (const blocks of architecture.stages) {
    for (const spec of blocks) {
      const prefix = `features.${spec.stage}.${spec.index}`;
      x = spec.block === 'MBConv' ? mbConvBlock(x, spec, prefix, context) : fusedMbConvBlock(x, spec, prefix, context);
    }
    const first = blocks[0]!;
    reduction *= first.stride;
    stageOutputs.push(x);
    featureInfo.push({
      stage: first.stage,
      channels: first.outputChannels,
      reduction,
      module: `features.${first.stage}`,
      blocks: blocks.length,
    });
  }
  const headStage = architecture.stages.length + 1;
  x = convNormActivation(
    x,
    { prefix: `features.${headStage}`, filters: architecture.lastChannels, kernelSize: 1, stride: 1, activation: true },
    context,
  );
  stageOutputs.push(x);
  featureInfo.push({
    stage: headStage,
    channels: architecture.lastChannels,
    reduction,
    module: `features.${headStage}`,
    blocks: 0,
  });

  const pooledOutput = applyLayer(tf.layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  let output: tf.SymbolicTensor;
  if (resolved.includeTop) {
    const classifierWidth = resolved.head === 'replace' ? resolved.numClasses : 1000;
    output = dense(dropout(pooledOutput, resolved.dropout, 'classifier.0'), classifierWidth, 'classifier.1');
    if (resolved.head === 'seed') {
      output = dense(dropout(output, resolved.headDropout, 'head.0'), resolved.numClasses, 'head.1');
    } else if (resolved.head === 'pyramid') {
      output = dense(applyLayer(tf.layers.reLU({ name: 'head.0' }), output), resolved.numClasses, 'head.1');
    }
  } else {
    output = resolved.pooling === 'avg' ? pooledOutput : x;
  }
  const model = tf.model({ inputs: input, outputs: output, name: resolved.name });
  if (resolved.initializer === 'torchvision') initializeTorchvisionWeights(model, resolved.seed);
  return new EfficientNet({ model, config, options: resolved, architecture, featureInfo, stageOutputs, pooledOutput });
}

function dropout(input: tf.SymbolicTensor, rate: number, name: string): tf.SymbolicTensor {
  return applyLayer(maskedDropout(rate, name), input);
}

function dense(input: tf.SymbolicTensor, units: number, name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.dense({ units, kernelInitializer: 'zeros', name }), input);
}
