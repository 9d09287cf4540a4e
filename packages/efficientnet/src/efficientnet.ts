/**
 * The built network, its resolved options and feature description: what weight loaders,
 * initialisers, exporters and heads take, apart from the builder that makes it (build.ts), so
 * that those modules need not import the builder (which imports the initialiser).
 */
import * as tf from '@tensorflow/tfjs';
import type { InitializerMode } from './blocks/conv-norm-activation.js';
import type { EfficientNetConfig, ResolvedArchitecture } from './configs.js';

/** Heads of `EfficientNetOptions.head` (see `buildEfficientNet`). */
export const HEADS = ['replace', 'seed', 'pyramid'] as const;
export type EfficientNetHead = (typeof HEADS)[number];

/** Options after defaults; stored on the built network. */
export interface ResolvedEfficientNetOptions {
  readonly numClasses: number;
  readonly inputSize: readonly [number | null, number | null];
  readonly includeTop: boolean;
  readonly pooling: 'avg' | 'none';
  readonly head: EfficientNetHead;
  readonly dropout: number;
  readonly headDropout: number;
  readonly stochasticDepthProb: number;
  readonly initializer: InitializerMode;
  readonly seed: number;
  readonly name: string;
}

/** What a head needs to know about one feature map (timm's `feature_info`). */
export interface FeatureInfo {
  /** Index of the torchvision module `features.<stage>`: 0 = stem, last = 1x1 head conv. */
  readonly stage: number;
  /** Output channels. */
  readonly channels: number;
  /** Input size / output size (2 for the stem, 32 at the end of B0). */
  readonly reduction: number;
  /** torchvision module path, e.g. `features.3`. */
  readonly module: string;
  /** Number of blocks (0 for the stem and head conv). */
  readonly blocks: number;
}

/**
 * A built EfficientNet: the TF.js model plus what heads and weight loaders need.
 * Layer names are torchvision module paths (`features.2.0.block.1.0`, `classifier.1`), which is
 * how the weight loader maps state_dict keys.
 */
export class EfficientNet {
  /** Input `[N, H, W, 3]` float32, already normalised → logits `[N, numClasses]` (or features). */
  readonly model: tf.LayersModel;
  readonly config: EfficientNetConfig;
  readonly options: ResolvedEfficientNetOptions;
  /** Scaled per-block architecture. */
  readonly architecture: ResolvedArchitecture;
  /** One entry per `features.i` module, stem first, 1x1 head conv last. */
  readonly featureInfo: readonly FeatureInfo[];
  /** Symbolic output of every `features.i` module (index = stage). */
  readonly stageOutputs: readonly tf.SymbolicTensor[];
  /** Symbolic globally average-pooled features `[N, C_last]` (the classifier input). */
  readonly pooledOutput: tf.SymbolicTensor;

  constructor(fields: {
    model: tf.LayersModel;
    config: EfficientNetConfig;
    options: ResolvedEfficientNetOptions;
    architecture: ResolvedArchitecture;
    featureInfo: FeatureInfo[];
    stageOutputs: tf.SymbolicTensor[];
    pooledOutput: tf.SymbolicTensor;
  }) {
    this.model = fields.model;
    this.config = fields.config;
    this.options = fields.options;
    this.architecture = fields.architecture;
    this.featureInfo = Object.freeze(fields.featureInfo);
    this.stageOutputs = Object.freeze(fields.stageOutputs);
    this.pooledOutput = fields.pooledOutput;
  }

  /**
   * A multi-output model over the same layers (shared weights) returning the requested
   * `features.i` outputs, in the order given. Do not dispose it separately: it shares weights.
   *
   * @param stages stage indices (see `featureInfo`); default: all.
   * @example
   * const fm = net.featuresModel([3, 4, 6]);
   * const [c3, c4, c6] = fm.predict(x) as tf.Tensor[];
   */
  featuresModel(stages: readonly number[] = this.featureInfo.map((info) => info.stage)): tf.LayersModel {
    if (!Array.isArray(stages) || stages.length === 0)
      throw new RangeError(`stages must be a non-empty array of stage indices; got ${JSON.stringify(stages)}`);
    for (const stage of stages) {
      if (!Number.isInteger(stage) || stage < 0 || stage >= this.stageOutputs.length) {
        throw new RangeError(`stage ${String(stage)} does not exist; expected 0..${this.stageOutputs.length - 1}`);
      }
    }
    return tf.model({
      inputs: this.model.inputs,
      outputs: stages.map((stage) => this.stageOutputs[stage]!),
      name: `${this.model.name}_features`,
    });
  }

  /**
   * Parameter count as torchvision's `sum(p.numel() for p in model.parameters())`: every weight,
   * frozen or not, except the BN running statistics (buffers in PyTorch).
   *
   * @example
   * efficientNetB3({ numClasses: 50 }).countParameters(); // 10773082
   */
  countParameters(): number {
    return this.model.weights
      .filter((weight) => !/\/moving_(mean|variance)$/.test(weight.originalName))
      .reduce((sum, weight) => sum + weight.shape.reduce<number>((a, b) => a * (b as number), 1), 0);
  }

  /**
   * Releases every weight of the model (and of any `featuresModel`, which shares them).
   *
   * @example
   * net.dispose();
   */
  dispose(): void {
    this.model.dispose();
  }
}
