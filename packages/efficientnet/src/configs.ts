/**
 * Architecture tables: one row per variant, copied from torchvision 0.14
 * (`models/efficientnet.py`, `_efficientnet_conf` and the `efficientnet_*` builders).
 * Preprocessing lives apart, in `preprocessing.ts`, because it belongs to a weights entry.
 */

/** Block family of one stage row. */
export type BlockType = 'MBConv' | 'FusedMBConv';

/**
 * One stage row, as torchvision's `MBConvConfig` / `FusedMBConvConfig`
 * `(expand_ratio, kernel, stride, input_channels, out_channels, num_layers)`.
 * Channel and layer counts are the unscaled paper values; the builder applies the
 * width/depth multipliers of the config to `MBConv` rows only, as torchvision does
 * (`FusedMBConvConfig` never scales).
 */
export interface StageSetting {
  readonly block: BlockType;
  readonly expandRatio: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly inputChannels: number;
  readonly outputChannels: number;
  readonly numLayers: number;
}

/** A full architecture description; `buildEfficientNet` turns it into a model. */
export interface EfficientNetConfig {
  /** Variant name, e.g. `'b0'`, `'v2-m'`, or any label for a custom table. */
  readonly name: string;
  readonly stages: readonly StageSetting[];
  /** Channel multiplier applied to MBConv rows (torchvision `width_mult`). */
  readonly widthMultiplier: number;
  /** Layer-count multiplier applied to MBConv rows (torchvision `depth_mult`). */
  readonly depthMultiplier: number;
  /** Channels of the 1x1 head conv; `null` means 4 x the last stage's output channels (V1). */
  readonly lastChannels: number | null;
  /** BatchNorm epsilon and momentum in PyTorch's convention (momentum 0.1 = Keras 0.9). */
  readonly batchNorm: { readonly epsilon: number; readonly momentum: number };
  /** Dropout probability before the classifier (training only). */
  readonly dropout: number;
  /** Stochastic-depth probability of the last block; block i uses `p * i / totalBlocks`. */
  readonly stochasticDepthProb: number;
}

/** Names of the built-in variants, in table order. */
export const VARIANT_NAMES = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'v2-s', 'v2-m', 'v2-l'] as const;
/** A built-in variant name. */
export type VariantName = (typeof VARIANT_NAMES)[number];

const mb = (
  expandRatio: number,
  kernelSize: number,
  stride: number,
  inputChannels: number,
  outputChannels: number,
  numLayers: number,
): StageSetting => ({
  block: 'MBConv',
  expandRatio,
  kernelSize,
  stride,
  inputChannels,
  outputChannels,
  numLayers,
});
const fused = (
  expandRatio: number,
  kernelSize: number,
  stride: number,
  inputChannels: number,
  outputChannels: number,
  numLayers: number,
): StageSetting => ({
  block: 'FusedMBConv',
  expandRatio,
  kernelSize,
  stride,
  inputChannels,
  outputChannels,
  numLayers,
});

/** EfficientNet-B0 base table (paper Table 1; torchvision `E:384-392`). */
export const V1_BASE_STAGES: readonly StageSetting[] = Object.freeze([
  mb(1, 3, 1, 32, 16, 1),
  mb(6, 3, 2, 16, 24, 2),
  mb(6, 5, 2, 24, 40, 2),
  mb(6, 3, 2, 40, 80, 3),
  mb(6, 5, 1, 80, 112, 3),
  mb(6, 5, 2, 112, 192, 4),
  mb(6, 3, 1, 192, 320, 1),
]);

const V2_S_STAGES: readonly StageSetting[] = Object.freeze([
  fused(1, 3, 1, 24, 24, 2),
  fused(4, 3, 2, 24, 48, 4),
  fused(4, 3, 2, 48, 64, 4),
  mb(4, 3, 2, 64, 128, 6),
  mb(6, 3, 1, 128, 160, 9),
  mb(6, 3, 2, 160, 256, 15),
]);

const V2_M_STAGES: readonly StageSetting[] = Object.freeze([
  fused(1, 3, 1, 24, 24, 3),
  fused(4, 3, 2, 24, 48, 5),
  fused(4, 3, 2, 48, 80, 5),
  mb(4, 3, 2, 80, 160, 7),
  mb(6, 3, 1, 160, 176, 14),
  mb(6, 3, 2, 176, 304, 18),
  mb(6, 3, 1, 304, 512, 5),
]);

const V2_L_STAGES: readonly StageSetting[] = Object.freeze([
  fused(1, 3, 1, 32, 32, 4),
  fused(4, 3, 2, 32, 64, 7),
  fused(4, 3, 2, 64, 96, 7),
  mb(4, 3, 2, 96, 192, 10),
  mb(6, 3, 1, 192, 224, 19),
  mb(6, 3, 2, 224, 384, 25),
  mb(6, 3, 1, 384, 640, 7),
]);

const BN_DEFAULT = Object.freeze({ epsilon: 1e-5, momentum: 0.1 });
const BN_B5_B7 = Object.freeze({ epsilon: 1e-3, momentum: 0.01 });
const BN_V2 = Object.freeze({ epsilon: 1e-3, momentum: 0.1 });

const v1 = (
  name: VariantName,
  widthMultiplier: number,
  depthMultiplier: number,
  dropout: number,
  batchNorm: EfficientNetConfig['batchNorm'] = BN_DEFAULT,
): EfficientNetConfig =>
  Object.freeze({
    name,
    stages: V1_BASE_STAGES,
    widthMultiplier,
    depthMultiplier,
    lastChannels: null,
    batchNorm,
    dropout,
    stochasticDepthProb: 0.2,
  });
const v2 = (name: VariantName, stages: readonly StageSetting[], dropout: number): EfficientNetConfig =>
  Object.freeze({
    name,
    stages,
    widthMultiplier: 1,
    depthMultiplier: 1,
    lastChannels: 1280,
    batchNorm: BN_V2,
    dropout,
    stochasticDepthProb: 0.2,
  });

/**
 * The architecture table: one row per torchvision builder (`efficientnet_b0` ... `efficientnet_v2_l`).
 * Width/depth multipliers, BN eps/momentum and dropout are torchvision's.
 */
export const EFFICIENTNET_CONFIGS: Readonly<Record<VariantName, EfficientNetConfig>> = Object.freeze({
  b0: v1('b0', 1.0, 1.0, 0.2),
  b1: v1('b1', 1.0, 1.1, 0.2),
  b2: v1('b2', 1.1, 1.2, 0.3),
  b3: v1('b3', 1.2, 1.4, 0.3),
  b4: v1('b4', 1.4, 1.8, 0.4),
  b5: v1('b5', 1.6, 2.2, 0.4, BN_B5_B7),
  b6: v1('b6', 1.8, 2.6, 0.5, BN_B5_B7),
  b7: v1('b7', 2.0, 3.1, 0.5, BN_B5_B7),
  'v2-s': v2('v2-s', V2_S_STAGES, 0.2),
  'v2-m': v2('v2-m', V2_M_STAGES, 0.3),
  'v2-l': v2('v2-l', V2_L_STAGES, 0.4),
});

/** Accepts `b3`, `B3`, `efficientnet_b3`, `v2-m`, `v2_m`, `efficientnet_v2_m`, `V2M`. */
export function normalizeVariantName(variant: string): VariantName {
  if (typeof variant !== 'string') {
    throw new TypeError(`variant must be a string; got ${typeof variant}`);
  }
  const key = variant
    .trim()
    .toLowerCase()
    .replace(/^efficientnet[-_]?/, '')
    .replace(/_/g, '-')
    .replace(/^v2-?([sml])$/, 'v2-$1');
  if ((VARIANT_NAMES as readonly string[]).includes(key)) return key as VariantName;
  throw new RangeError(`Unknown variant "${variant}"; expected one of b0..b7, v2-s, v2-m, v2-l`);
}

/**
 * The config row of a built-in variant.
 *
 * @example
 * const config = efficientNetConfig('b3'); // widthMultiplier 1.2, depthMultiplier 1.4
 */
export function efficientNetConfig(variant: string): EfficientNetConfig {
  return EFFICIENTNET_CONFIGS[normalizeVariantName(variant)];
}

/**
 * torchvision `_make_divisible(v, divisor, min_value=None)` (`models/_utils.py`): round to the
 * nearest multiple of `divisor`, never below `divisor`, never more than 10% below `v`.
 */
export function makeDivisible(value: number, divisor = 8, minValue?: number): number {
  const floor = minValue ?? divisor;
  let rounded = Math.max(floor, Math.floor(Math.trunc(value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** torchvision `MBConvConfig.adjust_channels`: `_make_divisible(channels * widthMultiplier, 8)`. */
export function adjustChannels(channels: number, widthMultiplier: number): number {
  return makeDivisible(channels * widthMultiplier, 8);
}

/** torchvision `MBConvConfig.adjust_depth`: `ceil(numLayers * depthMultiplier)`. */
export function adjustDepth(numLayers: number, depthMultiplier: number): number {
  return Math.ceil(numLayers * depthMultiplier);
}

/** One block after scaling, in network order. */
export interface BlockSpec {
  /** 1-based stage index, i.e. the `features.<stage>` module. */
  readonly stage: number;
  /** Index inside the stage (`features.<stage>.<index>`). */
  readonly index: number;
  /** Global 0-based block id, used for the stochastic-depth rate. */
  readonly blockId: number;
  readonly block: BlockType;
  readonly inputChannels: number;
  readonly expandedChannels: number;
  readonly outputChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  /** `max(1, inputChannels // 4)`; only used by MBConv. */
  readonly squeezeChannels: number;
  readonly useResidual: boolean;
  readonly stochasticDepthRate: number;
}

/** Scaled stage table plus the stem/head widths. */
export interface ResolvedArchitecture {
  readonly stemChannels: number;
  readonly stages: readonly (readonly BlockSpec[])[];
  readonly lastChannels: number;
  readonly totalBlocks: number;
}

/** Scales a stage row the way torchvision's config classes do (MBConv only). */
export function scaleStage(stage: StageSetting, widthMultiplier: number, depthMultiplier: number): StageSetting {
  if (stage.block === 'FusedMBConv') return stage;
  return {
    ...stage,
    inputChannels: adjustChannels(stage.inputChannels, widthMultiplier),
    outputChannels: adjustChannels(stage.outputChannels, widthMultiplier),
    numLayers: adjustDepth(stage.numLayers, depthMultiplier),
  };
}

/**
 * Validates a config and expands it into per-block specs exactly as torchvision's
 * `EfficientNet.__init__` does (`E:279-322`).
 */
export function resolveArchitecture(config: EfficientNetConfig): ResolvedArchitecture {
  validateConfig(config);
  const scaled = config.stages.map((stage) => scaleStage(stage, config.widthMultiplier, config.depthMultiplier));
  const totalBlocks = scaled.reduce((sum, stage) => sum + stage.numLayers, 0);
  let blockId = 0;
  const stages = scaled.map((stage, stageIndex) => {
    const blocks: BlockSpec[] = [];
    for (let index = 0; index < stage.numLayers; index += 1) {
      // Within a stage only the first block has the configured stride and input width.
      const inputChannels = index === 0 ? stage.inputChannels : stage.outputChannels;
      const stride = index === 0 ? stage.stride : 1;
      blocks.push({
        stage: stageIndex + 1,
        index,
        blockId,
        block: stage.block,
        inputChannels,
        expandedChannels: adjustChannels(inputChannels, stage.expandRatio),
        outputChannels: stage.outputChannels,
        kernelSize: stage.kernelSize,
        stride,
        squeezeChannels: Math.max(1, Math.floor(inputChannels / 4)),
        useResidual: stride === 1 && inputChannels === stage.outputChannels,
        stochasticDepthRate: (config.stochasticDepthProb * blockId) / totalBlocks,
      });
      blockId += 1;
    }
    return blocks;
  });
  const lastStageChannels = scaled[scaled.length - 1]!.outputChannels;
  return {
    stemChannels: scaled[0]!.inputChannels,
    stages,
    lastChannels: config.lastChannels ?? 4 * lastStageChannels,
    totalBlocks,
  };
}

const positiveInteger = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value > 0;

/** Throws a `TypeError`/`RangeError` naming the first invalid field of `config`. */
export function validateConfig(config: EfficientNetConfig): void {
  if (config === null || typeof config !== 'object')
    throw new TypeError(`config must be an EfficientNetConfig object; got ${String(config)}`);
  if (!Array.isArray(config.stages) || config.stages.length === 0) {
    throw new RangeError(`config.stages must be a non-empty array of stage rows; got ${JSON.stringify(config.stages)}`);
  }
  config.stages.forEach((stage, index) => {
    const where = `config.stages[${index}]`;
    if (stage.block !== 'MBConv' && stage.block !== 'FusedMBConv') {
      throw new RangeError(`${where}.block must be one of MBConv, FusedMBConv; got ${JSON.stringify(stage.block)}`);
    }
    for (const field of ['kernelSize', 'stride', 'inputChannels', 'outputChannels', 'numLayers'] as const) {
      if (!positiveInteger(stage[field]))
        throw new RangeError(`${where}.${field} must be a positive integer; got ${String(stage[field])}`);
    }
    if (!(typeof stage.expandRatio === 'number' && stage.expandRatio > 0 && Number.isFinite(stage.expandRatio))) {
      throw new RangeError(`${where}.expandRatio must be a positive number; got ${String(stage.expandRatio)}`);
    }
  });
  for (const field of ['widthMultiplier', 'depthMultiplier'] as const) {
    const value = config[field];
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value)))
      throw new RangeError(`config.${field} must be a positive number; got ${String(value)}`);
  }
  if (config.lastChannels !== null && !positiveInteger(config.lastChannels)) {
    throw new RangeError(`config.lastChannels must be a positive integer or null; got ${String(config.lastChannels)}`);
  }
  const { epsilon, momentum } = config.batchNorm ?? ({} as EfficientNetConfig['batchNorm']);
  if (!(typeof epsilon === 'number' && epsilon > 0))
    throw new RangeError(`config.batchNorm.epsilon must be a positive number; got ${String(epsilon)}`);
  if (!(typeof momentum === 'number' && momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`config.batchNorm.momentum must be in [0, 1] (PyTorch convention); got ${String(momentum)}`);
  }
  for (const field of ['dropout', 'stochasticDepthProb'] as const) {
    const value = config[field];
    if (!(typeof value === 'number' && value >= 0 && value < 1))
      throw new RangeError(`config.${field} must be in [0, 1); got ${String(value)}`);
  }
}

/**
 * A copy of a config with other multipliers, e.g. torchvision's
 * `_efficientnet_conf('efficientnet_b0', width_mult=0.5, depth_mult=0.5)`.
 *
 * @example
 * const tiny = withMultipliers(efficientNetConfig('b0'), 0.5, 0.5, 'tiny');
 */
export function withMultipliers(
  config: EfficientNetConfig,
  widthMultiplier: number,
  depthMultiplier: number,
  name = `${config.name}-w${widthMultiplier}-d${depthMultiplier}`,
): EfficientNetConfig {
  const result = { ...config, name, widthMultiplier, depthMultiplier };
  validateConfig(result);
  return result;
}

/**
 * Number of trainable parameters torchvision reports for this architecture
 * (`sum(p.numel() for p in model.parameters())`), computed from the table without building.
 * BatchNorm running statistics are buffers and are not counted.
 */
export function countParameters(config: EfficientNetConfig, numClasses = 1000): number {
  const arch = resolveArchitecture(config);
  const conv = (inputChannels: number, outputChannels: number, kernelSize: number) =>
    inputChannels * outputChannels * kernelSize * kernelSize;
  const bn = (channels: number) => 2 * channels;
  let total = conv(3, arch.stemChannels, 3) + bn(arch.stemChannels);
  for (const block of arch.stages.flat()) {
    const { inputChannels: i, expandedChannels: e, outputChannels: o, kernelSize: k } = block;
    if (block.block === 'MBConv') {
      if (e !== i) total += conv(i, e, 1) + bn(e);
      total += e * k * k + bn(e);
      total += e * block.squeezeChannels + block.squeezeChannels + block.squeezeChannels * e + e;
      total += conv(e, o, 1) + bn(o);
    } else if (e !== i) {
      total += conv(i, e, k) + bn(e) + conv(e, o, 1) + bn(o);
    } else {
      total += conv(i, o, k) + bn(o);
    }
  }
  const lastStage = arch.stages[arch.stages.length - 1]!;
  total += conv(lastStage[lastStage.length - 1]!.outputChannels, arch.lastChannels, 1) + bn(arch.lastChannels);
  return total + arch.lastChannels * numClasses + numClasses;
}
