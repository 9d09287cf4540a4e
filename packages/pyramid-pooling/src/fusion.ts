import { argmax } from '@art/metrics';
import * as tf from '@tensorflow/tfjs';

import { resolveLevels, type LevelsOption } from './pyramid.js';

/**
 * How crop predictions are pooled within a level and levels fused into one prediction:
 * - `hard`: each crop votes for its argmax (ties → lowest class index, as `tf.argMax`); a level's
 *   distribution is its vote shares (2 of 4 crops for A, 2 for B → 0.5/0.5: ties stay ties);
 *   levels are averaged with equal weights.
 * - `soft`: a level's distribution is the mean of its crop probabilities; levels averaged equally.
 * - `adaptive`: soft levels weighted by the confidence of their pooled distribution,
 *   `wₗ = exp(−H(pₗ)) / Σₖ exp(−H(pₖ))` (H = entropy in nats). This is OUR reading of the paper
 *   (its formulas are not public): confident levels count more, image by image.
 * - `fixed`: soft levels with fixed weights; the default weights reproduce the seed's
 *   `25·softmax(level1) + 4·mean(softmax(level2)) + mean(softmax(level3))` (with the softmax taken
 *   over classes; the seed's `Softmax(dim=0)` over crops is a bug not copied).
 * - `learned`: soft levels with weights `softmax(θ)` fitted by {@link fitFusionWeights}.
 */
export type FusionMode = 'hard' | 'soft' | 'adaptive' | 'fixed' | 'learned';

/** Every fusion mode, in the order of the paper's table (then ours). */
export const FUSION_MODES: readonly FusionMode[] = Object.freeze(['hard', 'soft', 'adaptive', 'fixed', 'learned']);

/** Options of {@link fuse} and {@link fuseTensors}. */
export interface FusionOptions {
  /** Grid sizes of the pyramid the crops come from. Default `[1, 2, 5]`. */
  levels?: LevelsOption;
  /** Level weights of `fixed` fusion. Default {@link defaultFixedWeights}: `[25, 4, 1]` for `[1, 2, 5]`. */
  fixedWeights?: readonly number[];
  /**
   * `fixed` only: divide by the weight sum so the fused scores are probabilities. Default `true`.
   * `false` reproduces the seed's raw sum exactly (it sums to 30 for 25/4/1); the ranking is the same.
   */
  normalizeWeights?: boolean;
  /** `learned` only: the level logits θ (weights are `softmax(θ)`), from {@link fitFusionWeights}. */
  learnedLogits?: readonly number[];
}

/** Result of {@link fuse}, one entry per image. */
export interface FusionResult {
  /** Fused class scores `[images][classes]` (probabilities except for `fixed` with `normalizeWeights: false`). */
  fused: number[][];
  /** Pooled distribution of each level `[images][levels][classes]`. */
  perLevel: number[][][];
  /** The level weights used `[images][levels]` (they vary per image only for `adaptive`). */
  levelWeights: number[][];
}

function listModes(): string {
  return FUSION_MODES.map((mode) => `"${mode}"`).join(', ');
}

/** Validates a fusion mode name. */
export function checkFusionMode(mode: unknown, name = 'mode'): FusionMode {
  if (!FUSION_MODES.includes(mode as FusionMode)) {
    throw new RangeError(`Unknown fusion ${name} ${JSON.stringify(mode)}; expected one of ${listModes()}`);
  }
  return mode as FusionMode;
}

/**
 * Default `fixed` weights: the levels' squares in reverse order, which is the seed's `[25, 4, 1]`
 * for `[1, 2, 5]` (the whole image weighs as much as the finest level has crops) and `[16, 4, 1]`
 * for the paper's `[1, 2, 4]`.
 *
 * @example
 * defaultFixedWeights([1, 2, 5]); // [25, 4, 1]
 */
export function defaultFixedWeights(levels: LevelsOption = [1, 2, 5]): number[] {
  const resolved = resolveLevels(levels);
  return resolved.map((_, index) => resolved[resolved.length - 1 - index]! ** 2);
}

/**
 * Class-wise softmax of a row of logits (numerically stable).
 *
 * @example
 * softmax([0, Math.log(3)]); // [0.25, 0.75] (to rounding)
 */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from(logits, (value) => Math.exp(value - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

/**
 * Entropy in nats of a distribution (0·log 0 = 0).
 *
 * @example
 * entropy([0.5, 0.5]); // Math.log(2)
 */
export function entropy(distribution: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < distribution.length; i++) {
    const p = distribution[i]!;
    if (p > 0) total -= p * Math.log(p);
  }
  return total;
}

function resolveLevelWeights(
  mode: FusionMode,
  levels: readonly number[],
  options: FusionOptions,
): { weights: number[]; normalize: boolean } | undefined {
  if (mode === 'fixed') {
    const weights = [...(options.fixedWeights ?? defaultFixedWeights(levels))];
    if (weights.length !== levels.length || weights.some((weight) => !Number.isFinite(weight) || weight < 0)) {
      throw new RangeError(
        `fixedWeights must hold ${levels.length} non-negative numbers (one per level ` +
          `of ${JSON.stringify(levels)}), got ${JSON.stringify(options.fixedWeights)}`,
      );
    }
    if (weights.every((weight) => weight === 0)) throw new RangeError('fixedWeights must not all be 0');
    return { weights, normalize: options.normalizeWeights ?? true };
  }
  if (mode === 'learned') {
    const logits = options.learnedLogits;
    if (logits === undefined) {
      throw new TypeError('fusion "learned" needs options.learnedLogits (fit them with fitFusionWeights)');
    }
    if (logits.length !== levels.length || logits.some((value) => !Number.isFinite(value))) {
      throw new RangeError(
        `learnedLogits must hold ${levels.length} finite numbers (one per level of ${JSON.stringify(levels)}), got ${JSON.stringify(logits)}`,
      );
    }
    return { weights: softmax(logits), normalize: false };
  }
  if (mode === 'hard' || mode === 'soft') return { weights: levels.map(() => 1 / levels.length), normalize: false };
  return undefined;
}

/**
 * Pools the crops of one image level by level: means (default), or vote shares of the crops'
 * argmax with `vote = true` (the `hard` rule). `crops` is `[crops][classes]` in pyramid order.
 *
 * @example
 * poolLevels([[1, 0], [0, 1], [0, 1], [1, 0], [0, 1]], [1, 2]); // [[1, 0], [0.25, 0.75]]
 */
export function poolLevels(crops: readonly ArrayLike<number>[], levels: LevelsOption, vote = false): number[][] {
  const resolved = resolveLevels(levels);
  const numClasses = crops[0]?.length ?? 0;
  let offset = 0;
  return resolved.map((level) => {
    const count = level * level;
    const pooled = new Array<number>(numClasses).fill(0);
    for (let crop = offset; crop < offset + count; crop++) {
      const row = crops[crop]!;
      if (vote) pooled[argmax(row)]! += 1;
      else for (let c = 0; c < numClasses; c++) pooled[c]! += row[c]!;
    }
    offset += count;
    return pooled.map((value) => value / count);
  });
}

function checkPerCrop(perCrop: readonly (readonly ArrayLike<number>[])[], levels: readonly number[]): number {
  if (!Array.isArray(perCrop)) throw new TypeError('perCropProbabilities must be an array [images][crops][classes]');
  const crops = levels.reduce((sum, level) => sum + level * level, 0);
  let numClasses = -1;
  perCrop.forEach((image, imageIndex) => {
    if (!Array.isArray(image) || image.length !== crops) {
      throw new RangeError(
        `perCropProbabilities[${imageIndex}] must hold ${crops} crops for levels ${JSON.stringify(levels)}, ` +
          `got ${Array.isArray(image) ? image.length : String(image)}`,
      );
    }
    for (const row of image) {
      if (numClasses < 0) numClasses = row.length;
      if (row.length !== numClasses || row.length === 0) {
        throw new RangeError(
          `perCropProbabilities[${imageIndex}]: every crop needs ${numClasses} class scores, got ${row.length}`,
        );
      }
      for (let c = 0; c < row.length; c++) {
        if (!Number.isFinite(row[c])) {
          throw new RangeError(`perCropProbabilities[${imageIndex}] holds a non-finite value ${row[c]}`);
        }
      }
    }
  });
  return numClasses;
}

/**
 * Fuses per-crop class probabilities into one prediction per image (see {@link FusionMode} for
 * the rules). `perCropProbabilities` is `[images][crops][classes]`, crops in pyramid order
 * (level by level, row-major), each row a probability distribution (softmax over classes).
 *
 * @example
 * // levels [1, 2]: 1 + 4 crops, 2 classes
 * const crops = [[[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4], [0.45, 0.55]]];
 * fuse(crops, 'soft', { levels: [1, 2] }).fused[0]; // [0.64375, 0.35625]
 * fuse(crops, 'hard', { levels: [1, 2] }).fused[0]; // [0.625, 0.375] (votes: A; B B A B)
 */
export function fuse(
  perCropProbabilities: readonly (readonly ArrayLike<number>[])[],
  mode: FusionMode,
  options: FusionOptions = {},
): FusionResult {
  checkFusionMode(mode);
  const levels = resolveLevels(options.levels);
  const numClasses = checkPerCrop(perCropProbabilities, levels);
  const fixed = resolveLevelWeights(mode, levels, options);
  const result: FusionResult = { fused: [], perLevel: [], levelWeights: [] };
  for (const crops of perCropProbabilities) {
    const perLevel = poolLevels(crops, levels, mode === 'hard');
    let weights: number[];
    if (fixed !== undefined) {
      const sum = fixed.weights.reduce((total, weight) => total + weight, 0);
      weights = fixed.normalize ? fixed.weights.map((weight) => weight / sum) : fixed.weights;
    } else {
      const confidences = perLevel.map((distribution) => Math.exp(-entropy(distribution)));
      const sum = confidences.reduce((total, value) => total + value, 0);
      weights = confidences.map((value) => value / sum);
    }
    const fused = new Array<number>(numClasses).fill(0);
    perLevel.forEach((distribution, levelIndex) => {
      for (let c = 0; c < numClasses; c++) fused[c]! += weights[levelIndex]! * distribution[c]!;
    });
    result.fused.push(fused);
    result.perLevel.push(perLevel);
    result.levelWeights.push([...weights]);
  }
  return result;
}

/** Tensor version of {@link FusionResult}. */
export interface FusionTensors {
  /** `[N, classes]` */
  fused: tf.Tensor2D;
  /** `[N, levels, classes]` */
  perLevel: tf.Tensor3D;
  /** `[N, levels]` */
  levelWeights: tf.Tensor2D;
}

/** Options of {@link fuseTensors}: those of {@link fuse}, and the learned logits may be a variable (for gradients). */
export interface FusionTensorOptions extends Omit<FusionOptions, 'learnedLogits'> {
  learnedLogits?: readonly number[] | tf.Tensor1D;
}

/**
 * Pools `[N, crops, classes]` crop probabilities into `[N, levels, classes]`: means (default,
 * differentiable) or, with `vote = true`, argmax vote shares.
 *
 * @example
 * const perLevel = poolLevelsTensor(tf.ones([2, 30, 4]).div(4) as tf.Tensor3D, [1, 2, 5]); // [2, 3, 4]
 */
export function poolLevelsTensor(perCrop: tf.Tensor3D, levels: LevelsOption, vote = false): tf.Tensor3D {
  const resolved = resolveLevels(levels);
  return tf.tidy(() => {
    const numClasses = perCrop.shape[2];
    let offset = 0;
    const pooled = resolved.map((level) => {
      const slice = tf.slice(perCrop, [0, offset, 0], [-1, level * level, -1]);
      offset += level * level;
      const values = vote ? tf.oneHot(tf.argMax(slice, 2), numClasses).toFloat() : slice;
      return tf.mean(values, 1);
    });
    return tf.stack(pooled, 1) as tf.Tensor3D;
  });
}

/**
 * The differentiable, on-device twin of {@link fuse}: `[N, crops, classes]` probabilities in, the
 * fused `[N, classes]` plus per-level tensors out (hard voting has no gradient, by nature).
 * Used by {@link PyramidClassifier.forward} for training through the whole pyramid.
 *
 * @example
 * const probabilities = tf.softmax(tf.randomNormal([2, 5, 3])) as tf.Tensor3D;
 * const { fused } = fuseTensors(probabilities, 'adaptive', { levels: [1, 2] }); // [2, 3]
 */
export function fuseTensors(perCrop: tf.Tensor3D, mode: FusionMode, options: FusionTensorOptions = {}): FusionTensors {
  checkFusionMode(mode);
  const levels = resolveLevels(options.levels);
  const crops = levels.reduce((sum, level) => sum + level * level, 0);
  if (!(perCrop instanceof tf.Tensor) || perCrop.rank !== 3 || perCrop.shape[1] !== crops) {
    throw new RangeError(
      `perCrop must be a tensor [N, ${crops}, classes] for levels ${JSON.stringify(levels)}, ` +
        `got ${perCrop instanceof tf.Tensor ? JSON.stringify(perCrop.shape) : String(perCrop)}`,
    );
  }
  const learnedLogits = options.learnedLogits;
  const learnedTensor = learnedLogits instanceof tf.Tensor ? learnedLogits : undefined;
  const weightsSpec =
    mode === 'learned' && learnedTensor !== undefined
      ? undefined
      : resolveLevelWeights(mode, levels, {
          ...options,
          learnedLogits: learnedLogits as readonly number[] | undefined,
        });
  return tf.tidy(() => {
    const count = perCrop.shape[0];
    const perLevel = poolLevelsTensor(perCrop, levels, mode === 'hard');
    let levelWeights: tf.Tensor2D;
    if (mode === 'learned' && learnedTensor !== undefined) {
      if (learnedTensor.rank !== 1 || learnedTensor.shape[0] !== levels.length) {
        throw new RangeError(
          `learnedLogits must be a tensor [${levels.length}], got ${JSON.stringify(learnedTensor.shape)}`,
        );
      }
      levelWeights = tf.tile(tf.softmax(learnedTensor).expandDims(0), [count, 1]) as tf.Tensor2D;
    } else if (weightsSpec !== undefined) {
      const sum = weightsSpec.weights.reduce((total, weight) => total + weight, 0);
      const weights = weightsSpec.normalize ? weightsSpec.weights.map((weight) => weight / sum) : weightsSpec.weights;
      levelWeights = tf.tile(tf.tensor2d([weights]), [count, 1]) as tf.Tensor2D;
    } else {
      // adaptive: exp(-entropy) of each pooled level, normalised over levels.
      const logs = tf.log(tf.maximum(perLevel, 1e-30));
      const levelEntropy = tf.neg(tf.sum(tf.mul(perLevel, logs), 2));
      const confidence = tf.exp(tf.neg(levelEntropy));
      levelWeights = tf.div(confidence, tf.sum(confidence, 1, true)) as tf.Tensor2D;
    }
    const fused = tf.sum(tf.mul(perLevel, levelWeights.expandDims(2)), 1) as tf.Tensor2D;
    return { fused, perLevel, levelWeights };
  });
}
