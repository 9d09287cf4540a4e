import * as tf from '@tensorflow/tfjs';

import { checkBackbone, runBackbone, startBackbone, type Backbone } from './backbone.js';
import { cropPyramidTensor } from './crop-tensor.js';
import { evaluatePyramid, type PyramidEvaluation, type PyramidEvaluationOptions } from './evaluate.js';
import { ExtendedImageCache, extractCrops, LayoutCache, type CropEntry } from './extract.js';
import { checkFusionMode, fuse, fuseTensors, type FusionMode, type FusionTensors } from './fusion.js';
import { imageSource, seededRandom, type PyramidImages } from './images.js';
import { cropCount, resolvePyramidOptions, type PyramidOptions, type ResolvedPyramidOptions } from './pyramid.js';
import {
  applyLevelAugmentations,
  pyramidTrainingBatches,
  type CropPreprocess,
  type LevelAugmentations,
  type PyramidTrainingBatch,
  type PyramidTrainingOptions,
} from './training.js';

/** Options of {@link PyramidClassifier}. */
export interface PyramidClassifierOptions extends PyramidOptions {
  /** One backbone shared by all levels, or an array with one backbone per level (the seed's "different model per level"). */
  backbone: Backbone | readonly Backbone[];
  /** Default fusion of {@link PyramidClassifier.predict}. Default `'fixed'` (the seed's 25/4/1). */
  fusion?: FusionMode;
  /** Weights of `fixed` fusion. Default: levels' squares reversed (`[25, 4, 1]` for `[1, 2, 5]`). */
  fixedWeights?: readonly number[];
  /** `fixed` fusion: divide by the weight sum. Default `true`; `false` gives the seed's raw sum. */
  normalizeWeights?: boolean;
  /** Level logits of `learned` fusion (from {@link fitFusionWeights}). */
  learnedLogits?: readonly number[];
  /** What the backbone returns: `'logits'` (softmax over classes is applied) or `'probabilities'`. Default `'logits'`. */
  backboneOutput?: 'logits' | 'probabilities';
  /** Applied to every crop batch before the backbone (training and inference), e.g. normalisation. */
  preprocess?: CropPreprocess;
  /** Training-time augmentation hooks, per level or one for all (used by `forward({ training: true })` and `trainingBatches`). */
  augment?: LevelAugmentations;
  /** Default cap of crops in memory during {@link PyramidClassifier.predict}. Default `256`. */
  maxCropsInMemory?: number;
}

/** Options of {@link PyramidClassifier.predict}. */
export interface PyramidPredictOptions {
  /** Never more than this many crops in one backbone call (and in memory). Default: the classifier's (`256`). */
  maxCropsInMemory?: number;
  /** Fusion for `fused`. Default: the classifier's. */
  fusion?: FusionMode;
  /** Level logits for `learned` fusion. Default: the classifier's `learnedLogits`. */
  learnedLogits?: readonly number[];
  /** Called after each backbone batch with the number of crops done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link PyramidClassifier.predict} returns (plain arrays, no tensors to dispose). */
export interface PyramidPrediction {
  /** The fusion mode of `fused`. */
  fusion: FusionMode;
  /** Fused class probabilities `[images][classes]`. */
  fused: number[][];
  /** Pooled probabilities per level `[images][levels][classes]` (vote shares for `hard`). */
  perLevel: number[][][];
  /** Level weights used `[images][levels]`. */
  levelWeights: number[][];
  /** Class probabilities of every crop `[images][crops][classes]`, crops in pyramid order. */
  perCrop: number[][][];
}

/** Options of {@link PyramidClassifier.forward}. */
export interface PyramidForwardOptions {
  /** Training mode: dropout/BatchNorm in training mode and the augmentation hooks applied. Default `false`. */
  training?: boolean;
  /** Fusion of `fused`. Default: the classifier's. Use `'learned'` with a variable to train the level weights too. */
  fusion?: FusionMode;
  /** Level logits for `learned` fusion, e.g. a `tf.variable` trained along with the backbone. */
  learnedLogits?: readonly number[] | tf.Tensor1D;
  /** Seed of the augmentation hooks' random source. Default `0`; vary it per step for fresh augmentation. */
  seed?: number;
}

/** Tensors of {@link PyramidClassifier.forward}; the caller disposes them. */
export interface PyramidForwardResult extends FusionTensors {
  /** Crop probabilities `[N, crops, classes]`. */
  perCrop: tf.Tensor3D;
}

/**
 * Multi-scale pyramid classification (Jangtjik, Yeh and Hua 2016) around any backbone: every
 * image is padded, cut into the pyramid of crops, each crop classified, and the crop predictions
 * pooled per level and fused (see {@link FusionMode}).
 *
 * @example
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [64, 64, 3], filters: 8, kernelSize: 3, activation: 'relu' }),
 *   tf.layers.globalAveragePooling2d({}),
 *   tf.layers.dense({ units: 5 }),
 * ] });
 * const classifier = new PyramidClassifier({ backbone: model, cropSize: 64, fusion: 'adaptive' });
 * const { fused, perLevel, perCrop } = await classifier.predict(images, { maxCropsInMemory: 64 });
 */
export class PyramidClassifier {
  /** Resolved pyramid geometry. */
  readonly pyramid: ResolvedPyramidOptions;
  /** Backbones, one per level (the same object repeated when shared). */
  readonly backbones: readonly Backbone[];
  /** Whether one backbone serves all levels. */
  readonly sharedBackbone: boolean;
  readonly fusion: FusionMode;
  private readonly options: PyramidClassifierOptions;

  constructor(options: PyramidClassifierOptions) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('PyramidClassifier needs an options object with a backbone');
    this.options = options;
    this.pyramid = resolvePyramidOptions(options);
    const { levels } = this.pyramid;
    if (Array.isArray(options.backbone)) {
      if (options.backbone.length !== levels.length) {
        throw new RangeError(
          `backbone: got ${options.backbone.length} backbones for ${levels.length} levels ${JSON.stringify(levels)}; give one per level or a single shared one`,
        );
      }
      this.backbones = options.backbone.map((backbone, index) => checkBackbone(backbone, `backbone[${index}]`));
      this.sharedBackbone = this.backbones.every((backbone) => backbone === this.backbones[0]);
    } else {
      const backbone = checkBackbone(options.backbone, 'backbone');
      this.backbones = levels.map(() => backbone);
      this.sharedBackbone = true;
    }
    this.fusion = checkFusionMode(options.fusion ?? 'fixed', 'fusion');
    checkCropCap(options.maxCropsInMemory ?? 256);
    const backboneOutput = options.backboneOutput ?? 'logits';
    if (backboneOutput !== 'logits' && backboneOutput !== 'probabilities') {
      throw new RangeError(
        `Unknown backboneOutput ${JSON.stringify(backboneOutput)}; expected one of "logits", "probabilities"`,
      );
    }
  }

  /** The grid sizes, e.g. `[1, 2, 5]`. */
  get levels(): readonly number[] {
    return this.pyramid.levels;
  }

  /** Crops per image (30 for `[1, 2, 5]`). */
  get cropsPerImage(): number {
    return cropCount(this.pyramid.levels);
  }

  private fusionOptions(): {
    levels: readonly number[];
    fixedWeights?: readonly number[];
    normalizeWeights?: boolean;
    learnedLogits?: readonly number[];
  } {
    return {
      levels: this.pyramid.levels,
      fixedWeights: this.options.fixedWeights,
      normalizeWeights: this.options.normalizeWeights,
      learnedLogits: this.options.learnedLogits,
    };
  }

  private toProbabilities(output: tf.Tensor2D): tf.Tensor2D {
    return (this.options.backboneOutput ?? 'logits') === 'logits' ? tf.softmax(output) : output;
  }

  /** Levels index of each crop, in pyramid order. */
  private levelOfCrop(): number[] {
    const result: number[] = [];
    this.pyramid.levels.forEach((level, levelIndex) => {
      for (let i = 0; i < level * level; i++) result.push(levelIndex);
    });
    return result;
  }

  /**
   * Classifies every crop of every image, batching crops of many images together and never
   * holding more than `maxCropsInMemory` crops at once. Returns `[images][crops][classes]`
   * probabilities in pyramid order.
   *
   * @example
   * const perCrop = await classifier.predictCrops(images, { maxCropsInMemory: 120 });
   */
  async predictCrops(
    images: PyramidImages,
    options: Omit<PyramidPredictOptions, 'fusion' | 'learnedLogits'> = {},
  ): Promise<number[][][]> {
    const cap = checkCropCap(options.maxCropsInMemory ?? this.options.maxCropsInMemory ?? 256);
    const source = imageSource(images);
    const crops = this.cropsPerImage;
    const levelOfCrop = this.levelOfCrop();
    // Shared backbone: image-major, so one batch spans many images. Per-level backbones:
    // level-major, so each batch goes through one backbone.
    const entries: CropEntry[] = [];
    if (this.sharedBackbone) {
      for (let imageIndex = 0; imageIndex < source.count; imageIndex++) {
        for (let cropIndex = 0; cropIndex < crops; cropIndex++) entries.push({ imageIndex, cropIndex });
      }
    } else {
      for (let levelIndex = 0; levelIndex < this.pyramid.levels.length; levelIndex++) {
        for (let imageIndex = 0; imageIndex < source.count; imageIndex++) {
          for (let cropIndex = 0; cropIndex < crops; cropIndex++) {
            if (levelOfCrop[cropIndex] === levelIndex) entries.push({ imageIndex, cropIndex });
          }
        }
      }
    }
    const result: number[][][] = Array.from({ length: source.count }, () => new Array<number[]>(crops));
    const layouts = new LayoutCache(this.pyramid);
    // Only the image whose crops straddle two batches stays padded between batches.
    const cache = new ExtendedImageCache(source, this.pyramid, layouts);
    try {
      await this.classifyEntries(source, entries, cap, levelOfCrop, layouts, cache, result, options.onProgress);
    } finally {
      cache.dispose();
    }
    return result;
  }

  private async classifyEntries(
    source: ReturnType<typeof imageSource>,
    entries: readonly CropEntry[],
    cap: number,
    levelOfCrop: readonly number[],
    layouts: LayoutCache,
    cache: ExtendedImageCache,
    result: number[][][],
    onProgress: PyramidPredictOptions['onProgress'],
  ): Promise<void> {
    let start = 0;
    while (start < entries.length) {
      let end = Math.min(start + cap, entries.length);
      const backboneIndex = levelOfCrop[entries[start]!.cropIndex]!;
      if (!this.sharedBackbone) {
        // A batch never mixes backbones.
        let sameLevelEnd = start;
        while (sameLevelEnd < end && levelOfCrop[entries[sameLevelEnd]!.cropIndex] === backboneIndex) sameLevelEnd++;
        end = sameLevelEnd;
      }
      const batch = entries.slice(start, end);
      // An asynchronous backbone (ONNX Runtime) keeps its input alive until it resolves.
      let pending: Promise<tf.Tensor2D> | undefined;
      let pendingInput: tf.Tensor4D | undefined;
      let probabilities = tf.tidy(() => {
        const cropTensor = extractCrops(source, batch, this.pyramid, layouts, cache);
        const input = this.options.preprocess === undefined ? cropTensor : this.options.preprocess(cropTensor);
        const output = startBackbone(this.backbones[backboneIndex]!, input);
        if (output instanceof tf.Tensor) return this.toProbabilities(output);
        pending = output;
        pendingInput = tf.keep(input);
        return tf.zeros([0, 0]) as tf.Tensor2D;
      });
      if (pending !== undefined) {
        probabilities.dispose();
        let output: tf.Tensor2D;
        try {
          output = await pending;
        } finally {
          pendingInput!.dispose();
        }
        if (output.isDisposed) {
          throw new Error(
            'the asynchronous backbone returned a tensor it created before its first await (inside ' +
              "the classifier's tf.tidy, which disposed it); create the result after awaiting, as ONNX Runtime does, or pass a synchronous function",
          );
        }
        probabilities = tf.tidy(() => this.toProbabilities(output));
        if (probabilities !== output) output.dispose();
      }
      const numClasses = probabilities.shape[1];
      const values = await probabilities.data();
      probabilities.dispose();
      batch.forEach((entry, row) => {
        result[entry.imageIndex]![entry.cropIndex] = Array.from(
          values.subarray(row * numClasses, (row + 1) * numClasses),
        );
      });
      cache.keepOnly(batch.at(-1)!.imageIndex);
      start = end;
      onProgress?.(start, entries.length);
    }
  }

  /**
   * Classifies images through the pyramid: per-crop probabilities (see {@link predictCrops}),
   * pooled per level and fused. Returns plain arrays.
   *
   * @example
   * const { fused } = await classifier.predict(images, { maxCropsInMemory: 64, fusion: 'soft' });
   */
  async predict(images: PyramidImages, options: PyramidPredictOptions = {}): Promise<PyramidPrediction> {
    const fusion = checkFusionMode(options.fusion ?? this.fusion, 'fusion');
    const perCrop = await this.predictCrops(images, options);
    const { fused, perLevel, levelWeights } = fuse(perCrop, fusion, {
      ...this.fusionOptions(),
      learnedLogits: options.learnedLogits ?? this.options.learnedLogits,
    });
    return { fusion, fused, perLevel, levelWeights, perCrop };
  }

  /**
   * The whole pyramid as one differentiable computation on a batch `[N, H, W, C]`: crops
   * (`cropPyramidTensor`), hooks (training only), preprocessing, backbone(s), softmax, fusion. Use it
   * inside `tf.variableGrads` / `optimizer.minimize` to train end to end; no crop cap (keep `N` small).
   *
   * @example
   * optimizer.minimize(() => {
   *   const { fused } = classifier.forward(images, { training: true });
   *   return tf.neg(tf.mean(tf.sum(tf.mul(oneHotLabels, tf.log(tf.maximum(fused, 1e-7))), 1)));
   * });
   */
  forward(images: tf.Tensor4D, options: PyramidForwardOptions = {}): PyramidForwardResult {
    const fusion = checkFusionMode(options.fusion ?? this.fusion, 'fusion');
    const training = options.training ?? false;
    if (!(images instanceof tf.Tensor) || images.rank !== 4) {
      throw new TypeError(
        `images must be a tensor [N, H, W, C], got ${images instanceof tf.Tensor ? JSON.stringify(images.shape) : String(images)}`,
      );
    }
    const count = images.shape[0];
    const crops = this.cropsPerImage;
    const levelOfCrop = this.levelOfCrop();
    return tf.tidy(() => {
      // [N·crops, S, S, C] image-major; reorder level-major so each level is one slice.
      const allCrops = cropPyramidTensor(images, this.pyramid);
      const levelMajor: number[] = [];
      const levelIndexOfRow: number[] = [];
      this.pyramid.levels.forEach((_, levelIndex) => {
        for (let imageIndex = 0; imageIndex < count; imageIndex++) {
          for (let cropIndex = 0; cropIndex < crops; cropIndex++) {
            if (levelOfCrop[cropIndex] === levelIndex) {
              levelMajor.push(imageIndex * crops + cropIndex);
              levelIndexOfRow.push(levelIndex);
            }
          }
        }
      });
      let ordered = tf.gather(allCrops, tf.tensor1d(levelMajor, 'int32'), 0) as tf.Tensor4D;
      if (training) {
        ordered = applyLevelAugmentations(
          ordered,
          levelIndexOfRow,
          this.pyramid.levels,
          this.options.augment,
          seededRandom(options.seed ?? 0),
        );
      }
      if (this.options.preprocess !== undefined) ordered = this.options.preprocess(ordered);
      let probabilities: tf.Tensor2D;
      if (this.sharedBackbone) {
        probabilities = this.toProbabilities(runBackbone(this.backbones[0]!, ordered, training));
      } else {
        const parts: tf.Tensor2D[] = [];
        let offset = 0;
        this.pyramid.levels.forEach((level, levelIndex) => {
          const rows = count * level * level;
          const slice = tf.slice(ordered, [offset, 0, 0, 0], [rows, -1, -1, -1]);
          parts.push(this.toProbabilities(runBackbone(this.backbones[levelIndex]!, slice, training)));
          offset += rows;
        });
        probabilities = tf.concat(parts, 0);
      }
      // Back to image-major [N, crops, classes].
      const inverse = new Int32Array(levelMajor.length);
      levelMajor.forEach((row, index) => {
        inverse[row] = index;
      });
      const perCrop = tf
        .gather(probabilities, tf.tensor1d(inverse, 'int32'), 0)
        .reshape([count, crops, -1]) as tf.Tensor3D;
      const fusionOptions = {
        ...this.fusionOptions(),
        learnedLogits: options.learnedLogits ?? this.options.learnedLogits,
      };
      const fused = fuseTensors(perCrop, fusion, fusionOptions);
      return { ...fused, perCrop };
    });
  }

  /**
   * Crop batches for training the backbone(s) with this classifier's pyramid, hooks and
   * preprocessing (see {@link pyramidTrainingBatches}).
   *
   * @example
   * for (const batch of classifier.trainingBatches(images, labels, { batchSize: 16, numClasses: 5 })) { ... }
   */
  trainingBatches(
    images: PyramidImages,
    labels: ArrayLike<number>,
    options: Omit<PyramidTrainingOptions, keyof PyramidOptions | 'augment' | 'preprocess'> = {},
  ): Generator<PyramidTrainingBatch, void, undefined> {
    return pyramidTrainingBatches(images, labels, {
      ...this.pyramid,
      ...options,
      augment: this.options.augment,
      preprocess: this.options.preprocess,
    });
  }

  /**
   * Predicts and evaluates: Top-1/Top-2 precision, recall and F per fusion mode (the paper's Table 1).
   *
   * @example
   * const evaluation = await classifier.evaluate(images, labels, { numClasses: 5 });
   * console.log(evaluation.format());
   */
  async evaluate(
    images: PyramidImages,
    labels: ArrayLike<number>,
    options: Omit<PyramidEvaluationOptions, 'levels'> & Pick<PyramidPredictOptions, 'maxCropsInMemory'> = {},
  ): Promise<PyramidEvaluation> {
    const perCrop = await this.predictCrops(images, { maxCropsInMemory: options.maxCropsInMemory });
    return evaluatePyramid(perCrop, labels, {
      fixedWeights: this.options.fixedWeights,
      normalizeWeights: this.options.normalizeWeights,
      learnedLogits: this.options.learnedLogits,
      ...options,
      levels: this.pyramid.levels,
    });
  }
}

function checkCropCap(value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`maxCropsInMemory must be a positive integer, got ${value}`);
  return value;
}
