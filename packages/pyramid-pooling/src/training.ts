import * as tf from '@tensorflow/tfjs';

import { extractCrops, LayoutCache, type CropEntry } from './extract.js';
import { shuffleInPlace } from '../../../internal/rng.js';
import { imageSource, seededRandom, type PyramidImages } from './images.js';
import { cropCount, resolvePyramidOptions, type PyramidOptions } from './pyramid.js';

/** Context handed to a level augmentation hook. */
export interface LevelAugmentationContext {
  /** Grid size of the level (e.g. 5). */
  level: number;
  /** Index of the level in `levels`. */
  levelIndex: number;
  /** Seeded random source for this call (derived from the batch seed), for reproducible augmentation. */
  random: () => number;
}

/**
 * A training-time augmentation of the crops of one level, on the device: `[n, S, S, C]` in, the
 * same shape out (e.g. `tf.image.flipLeftRight`). Runs inside a `tf.tidy`.
 */
export type LevelAugmentation = (crops: tf.Tensor4D, context: LevelAugmentationContext) => tf.Tensor4D;

/** One hook for all levels, or one per level (`undefined` entries skip a level). */
export type LevelAugmentations = LevelAugmentation | readonly (LevelAugmentation | undefined)[];

/** Applied to every crop batch before the backbone (training and inference), e.g. mean/std normalisation. */
export type CropPreprocess = (crops: tf.Tensor4D) => tf.Tensor4D;

/** Options of {@link pyramidTrainingBatches}. */
export interface PyramidTrainingOptions extends PyramidOptions {
  /** Crops per batch. Default `32`. */
  batchSize?: number;
  /** Shuffle the crops of all images (seeded). Default `true`. */
  shuffle?: boolean;
  /** Seed of the shuffle and of the hooks' random sources. Default `0`. */
  seed?: number;
  /** With it, `ys` is one-hot `[n, numClasses]` float32; without it, `ys` is the `[n]` int32 labels. */
  numClasses?: number;
  /** Only the crops of these level indices (e.g. `[2]` to train the 5×5 backbone of a per-level model). Default: all. */
  levelIndices?: readonly number[];
  /** Training augmentation per level. */
  augment?: LevelAugmentations;
  /** Applied after augmentation, e.g. normalisation. */
  preprocess?: CropPreprocess;
  /** Keep a last batch smaller than `batchSize`. Default `true`. */
  keepLastBatch?: boolean;
}

/** A batch of crops with the labels they inherit from their images. The caller disposes `xs` and `ys`. */
export interface PyramidTrainingBatch {
  /** `[n, S, S, C]` float32 crops. */
  xs: tf.Tensor4D;
  /** One-hot `[n, numClasses]` (with `numClasses`) or int32 labels `[n]`. */
  ys: tf.Tensor;
  /** Image of each crop. */
  imageIndices: number[];
  /** Crop index (pyramid order) of each crop. */
  cropIndices: number[];
  /** Level index of each crop. */
  levelIndices: number[];
}

/** Applies the level hook(s) to a crop batch sorted by level. */
export function applyLevelAugmentations(
  crops: tf.Tensor4D,
  levelIndexOfCrop: readonly number[],
  levels: readonly number[],
  augment: LevelAugmentations | undefined,
  random: () => number,
): tf.Tensor4D {
  if (augment === undefined) return crops;
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    let start = 0;
    while (start < levelIndexOfCrop.length) {
      const levelIndex = levelIndexOfCrop[start]!;
      let end = start;
      while (end < levelIndexOfCrop.length && levelIndexOfCrop[end] === levelIndex) end++;
      const slice = tf.slice(crops, [start, 0, 0, 0], [end - start, -1, -1, -1]);
      const hook = typeof augment === 'function' ? augment : augment[levelIndex];
      const augmented = hook === undefined ? slice : hook(slice, { level: levels[levelIndex]!, levelIndex, random });
      if (!(augmented instanceof tf.Tensor) || augmented.rank !== 4 || augmented.shape[0] !== end - start) {
        throw new TypeError(`augment hook of level index ${levelIndex} must return a [${end - start}, H, W, C] tensor`);
      }
      parts.push(augmented);
      start = end;
    }
    return parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor4D);
  });
}

/**
 * Crop batches for training a backbone: every crop of every image, each inheriting its image's
 * label, shuffled with a seed, cut on the device and augmented per level. A synchronous generator,
 * so only one batch is in memory; dispose `xs` and `ys` after each step. Within a batch the crops
 * are grouped by level (so each level's hook sees one slice); the metadata arrays follow.
 *
 * @example
 * for (const { xs, ys } of pyramidTrainingBatches(images, labels, { cropSize: 64, numClasses: 10 })) {
 *   await model.trainOnBatch(xs, ys);
 *   tf.dispose([xs, ys]);
 * }
 */
export function* pyramidTrainingBatches(
  images: PyramidImages,
  labels: ArrayLike<number>,
  options: PyramidTrainingOptions = {},
): Generator<PyramidTrainingBatch, void, undefined> {
  const resolved = resolvePyramidOptions(options);
  const source = imageSource(images);
  if (labels.length !== source.count) {
    throw new RangeError(`labels has ${labels.length} entries but images has ${source.count}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const limit = options.numClasses ?? Infinity;
    if (!Number.isInteger(label) || label < 0 || label >= limit) {
      throw new RangeError(
        `labels[${i}] must be a class index${Number.isFinite(limit) ? ` in [0, ${limit})` : ''}, got ${label}`,
      );
    }
  }
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (options.numClasses !== undefined && (!Number.isInteger(options.numClasses) || options.numClasses < 1)) {
    throw new RangeError(`numClasses must be a positive integer, got ${options.numClasses}`);
  }
  const levels = resolved.levels;
  const wanted = new Set(options.levelIndices ?? levels.map((_, index) => index));
  for (const index of wanted) {
    if (!Number.isInteger(index) || index < 0 || index >= levels.length) {
      throw new RangeError(`levelIndices holds ${index}; valid level indices are 0..${levels.length - 1}`);
    }
  }
  const crops = cropCount(levels);
  const levelOfCrop: number[] = [];
  levels.forEach((level, levelIndex) => {
    for (let i = 0; i < level * level; i++) levelOfCrop.push(levelIndex);
  });
  if (crops !== levelOfCrop.length) throw new Error('internal: crop count mismatch');

  const entries: CropEntry[] = [];
  for (let imageIndex = 0; imageIndex < source.count; imageIndex++) {
    for (let cropIndex = 0; cropIndex < crops; cropIndex++) {
      if (wanted.has(levelOfCrop[cropIndex]!)) entries.push({ imageIndex, cropIndex });
    }
  }
  const random = seededRandom(options.seed ?? 0);
  if (options.shuffle ?? true) shuffleInPlace(entries, random);
  const layouts = new LayoutCache(resolved);
  const keepLast = options.keepLastBatch ?? true;
  for (let start = 0; start < entries.length; start += batchSize) {
    const batch = entries.slice(start, start + batchSize);
    if (batch.length < batchSize && !keepLast) break;
    // Group by level (stable), so each level hook sees one contiguous slice.
    batch.sort((a, b) => levelOfCrop[a.cropIndex]! - levelOfCrop[b.cropIndex]!);
    const levelIndices = batch.map((entry) => levelOfCrop[entry.cropIndex]!);
    const batchRandom = seededRandom(Math.floor(random() * 4294967296));
    const xs = tf.tidy(() => {
      const cropsTensor = extractCrops(source, batch, resolved, layouts);
      const augmented = applyLevelAugmentations(cropsTensor, levelIndices, levels, options.augment, batchRandom);
      return options.preprocess === undefined ? augmented : options.preprocess(augmented);
    });
    const batchLabels = batch.map((entry) => labels[entry.imageIndex]!);
    const ys = tf.tidy(() => {
      const indices = tf.tensor1d(batchLabels, 'int32');
      return options.numClasses === undefined ? indices : tf.oneHot(indices, options.numClasses).toFloat();
    });
    yield {
      xs,
      ys,
      imageIndices: batch.map((entry) => entry.imageIndex),
      cropIndices: batch.map((entry) => entry.cropIndex),
      levelIndices,
    };
  }
}
