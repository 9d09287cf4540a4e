/** Score-based metrics: top-k accuracy and top-k precision/recall/F. */

import { addScores, emptyTopKCounts, topKTotals, totalsOf, type ClassTotals, type TopKCounts } from './counts.js';
import { checkOnWarning, emitWarning, readOptions, type WarningOptions } from './options.js';
import { checkAverage, checkBeta, checkZeroDivision, scoresFromTotals, type PrecisionRecallFscore } from './prf.js';
import { pairwiseSum } from './summation.js';
import { checkWeights } from './targets.js';
import type { ScalarAverage } from './scores.js';
import {
  checkK,
  checkLabelArray,
  checkScores,
  describeValue,
  encodeLabels,
  resolveClassSpace,
  scoreRowLength,
  type ClassOptions,
  type ClassSpace,
  type LabelArray,
  type ScoreMatrix,
} from './validate.js';

/** Options of {@link topKAccuracyScore}. */
export interface TopKAccuracyOptions extends ClassOptions, WarningOptions {
  /**
   * How many of the highest scores may contain the true class. Default: 2 (as scikit-learn).
   * `k >= numClasses` gives a perfect score with scikit-learn's `UndefinedMetricWarning`.
   */
  k?: number;
  /** Return the fraction (default true) or the number (sum of weights) of samples counted correct. */
  normalize?: boolean;
  /** Weight of each sample (scikit-learn's `sample_weight`). Default: all 1. */
  sampleWeight?: ArrayLike<number>;
}

/** Options of {@link topKPrecisionRecallFscore}. */
export interface TopKScoreOptions extends ClassOptions {
  /** How many of the highest scores may contain the true class. Required, at most `numClasses`. */
  k: number;
  /** F-beta weight of recall. Default: 1 (F1). */
  beta?: number;
  /** `'macro'` (default), `'micro'`, `'weighted'` or `'none'`; see {@link precisionRecallFscoreSupport}. */
  average?: 'macro' | 'micro' | 'weighted' | 'none';
  /** Value of 0/0 ratios: 0 (default), 1 or NaN. */
  zeroDivision?: number;
  /** Weight of each sample. Default: all 1. */
  sampleWeight?: ArrayLike<number>;
}

/** Result of {@link topKPrecisionRecallFscore}: scores plus the top-k accuracy. */
export type TopKPrecisionRecallFscore<T extends number | number[]> = PrecisionRecallFscore<T> & {
  k: number;
  /** Share (of weight) of samples whose true class is among their k highest scores. */
  accuracy: number;
};

/** Counts of a scored sample set, for one or more k. */
export interface ScoreCounts {
  space: ClassSpace;
  numSamples: number;
  /** Sum of the sample weights (the sample count without weights). */
  totalWeight: number;
  /** Totals of the argmax (top-1) confusion matrix; null unless requested. */
  argmaxTotals: ClassTotals | null;
  topK: TopKCounts[];
  argmax: Int32Array;
}

/**
 * Validates `yTrue` and `scores` and counts them once for every k in `ks`.
 * @param anyK Accept any positive k (k >= numClasses hits every sample); else k must be <= numClasses.
 */
export function countScores(
  fn: string,
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: (ClassOptions & { sampleWeight?: ArrayLike<number> }) | undefined,
  ks: readonly unknown[],
  withTotals: boolean,
  anyK = false,
): ScoreCounts {
  const numSamples = checkLabelArray(fn, 'yTrue', yTrue);
  const space = resolveClassSpace(fn, options, [['yTrue', yTrue]], scoreRowLength(fn, 'scores', scores, options));
  const rows = checkScores(fn, 'scores', scores, numSamples, space.numClasses);
  const topK = ks.map((k) => emptyTopKCounts(checkK(fn, k, space.numClasses, 'k', anyK), space.numClasses));
  const weights = checkWeights(fn, options?.sampleWeight, numSamples);
  const encodedTrue = encodeLabels(fn, 'yTrue', yTrue, space);
  const confusion = withTotals ? new Float64Array(space.numClasses * space.numClasses) : null;
  const argmax = addScores(fn, rows, encodedTrue, confusion, topK, weights);
  const argmaxTotals = confusion === null ? null : totalsOf(confusion, space.numClasses);
  const totalWeight = weights === null ? numSamples : pairwiseSum(weights);
  return { space, numSamples, totalWeight, argmaxTotals, topK, argmax };
}

/** True for a 1-D array of numbers: scikit-learn's binary scores (the positive class's score per sample). */
function isBinaryScores(scores: unknown): scores is ArrayLike<number> {
  return Array.isArray(scores) && scores.length > 0 && typeof scores[0] === 'number';
}

/**
 * Binary scores as scikit-learn's `top_k_accuracy_score` reads them: at k = 1 a sample is
 * predicted positive (the second class) when its score exceeds 0.5 (scores in [0, 1]) or 0
 * (other scores); at k >= 2 every sample is a hit.
 */
function binaryScoresAsRows(fn: string, scores: ArrayLike<number>): number[][] {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < scores.length; index += 1) {
    const score = scores[index];
    if (typeof score !== 'number' || Number.isNaN(score)) {
      throw new TypeError(`${fn}: scores[${index}] = ${describeValue(score)} must be a number`);
    }
    low = Math.min(low, score);
    high = Math.max(high, score);
  }
  const threshold = low >= 0 && high <= 1 ? 0.5 : 0;
  // Rows [1, 0] / [0, 1] rank the predicted class first at k = 1.
  return Array.from(scores, (score) => (score > threshold ? [0, 1] : [1, 0]));
}

/**
 * Top-k accuracy, like scikit-learn's `top_k_accuracy_score`: the share of samples whose true
 * class is among their `k` highest scores. Among tied scores the higher class index ranks
 * first, as in scikit-learn (so with ties, top-1 accuracy can differ from the accuracy of
 * `argmaxPredictions`, which picks the lower index like `numpy.argmax`). `k >= numClasses`
 * gives 1 and an `UndefinedMetricWarning`.
 *
 * @param yTrue True class per sample: class indices (score columns), or labels looked up in
 *   `options.labels`.
 * @param scores Per-sample class scores: `number[][]`, a flat `Float32Array` with `numClasses`,
 *   or (binary) a `number[]` of positive-class scores.
 * @param options `k` (default 2), `normalize` (default true), `sampleWeight`, `numClasses`
 *   (default: row length), `labels` (the class of each score column), `onWarning`.
 * @throws RangeError when a score is NaN or a label is unknown.
 * @example
 * topKAccuracyScore([2, 0], [[0.1, 0.5, 0.4], [0.2, 0.7, 0.1]], { k: 2 }); // 1
 * topKAccuracyScore([2, 0], new Float32Array([0.1, 0.5, 0.4, 0.2, 0.7, 0.1]), { k: 1, numClasses: 3 }); // 0
 * topKAccuracyScore(['a', 'e'], [[0.4, 0.3, 0.2, 0.1], [0.1, 0.3, 0.4, 0.2]], { labels: ['a', 'b', 'd', 'e'] }); // 0.5
 */
export function topKAccuracyScore(
  yTrue: LabelArray,
  scores: ScoreMatrix | number[],
  options?: TopKAccuracyOptions,
): number {
  const fn = 'topKAccuracyScore';
  const read = readOptions<TopKAccuracyOptions>(fn, options, [
    'k',
    'normalize',
    'sampleWeight',
    'numClasses',
    'labels',
    'onWarning',
  ]);
  const onWarning = checkOnWarning(fn, read.onWarning);
  const rows = isBinaryScores(scores) ? binaryScoresAsRows(fn, scores) : (scores as ScoreMatrix);
  const { topK, totalWeight, space } = countScores(fn, yTrue, rows, read, [read.k ?? 2], false, true);
  const { k, hits } = topK[0]!;
  if (k >= space.numClasses) {
    emitWarning(
      onWarning,
      'UndefinedMetricWarning',
      `${fn}: 'k' (${k}) greater than or equal to 'n_classes' (${space.numClasses}) will result in a perfect score and is therefore meaningless.`,
    );
  }
  return read.normalize === false ? hits : hits / totalWeight;
}

/**
 * Top-k precision, recall and F-beta in the sense of the pyramid-pooling paper's Table 1:
 * **a sample counts as correctly classified at k when its true class is among its k highest
 * scores; otherwise it counts as predicted as its top-1 (argmax) class.** Precision, recall
 * and F are then the usual ones (see {@link precisionRecallFscoreSupport}) of those effective
 * predictions, so at `k = 1` they equal the scores of the argmax predictions, and
 * micro-averaged values equal the top-k accuracy. Among tied scores the higher class index
 * ranks first (as scikit-learn's `top_k_accuracy_score`); the top-1 class is the argmax
 * (lowest index among ties, like `numpy.argmax`).
 *
 * @param yTrue True class per sample (indices, or strings with `options.labels`).
 * @param scores Per-sample class scores: `number[][]`, or a flat `Float32Array` with `numClasses`.
 * @param options `k` (required), `average` (default `'macro'`), `beta` (default 1),
 *   `zeroDivision` (default 0), `numClasses` (default: row length), `labels`.
 * @returns `{ k, accuracy, precision, recall, fscore, support }`.
 * @example
 * const top2 = topKPrecisionRecallFscore([0, 1, 2], [[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.1, 0.2, 0.7]], { k: 2 });
 * top2.accuracy; // 1: every true class is in its sample's top 2
 * top2.fscore;   // 1 (macro)
 */
export function topKPrecisionRecallFscore(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: TopKScoreOptions & { average: 'none' },
): TopKPrecisionRecallFscore<number[]>;
export function topKPrecisionRecallFscore(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: TopKScoreOptions & { average?: ScalarAverage },
): TopKPrecisionRecallFscore<number>;
export function topKPrecisionRecallFscore(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: TopKScoreOptions,
): TopKPrecisionRecallFscore<number> | TopKPrecisionRecallFscore<number[]>;
export function topKPrecisionRecallFscore(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: TopKScoreOptions,
): TopKPrecisionRecallFscore<number> | TopKPrecisionRecallFscore<number[]> {
  const fn = 'topKPrecisionRecallFscore';
  const read = readOptions<TopKScoreOptions>(fn, options, [
    'k',
    'beta',
    'average',
    'zeroDivision',
    'sampleWeight',
    'numClasses',
    'labels',
  ]);
  if (read.k === undefined) {
    throw new TypeError(`${fn}: options.k is required (e.g. { k: 2 } for top-2)`);
  }
  const average = checkAverage(fn, read.average, 'macro');
  if (average === 'binary' || average === 'samples') {
    throw new RangeError(
      `${fn}: average = '${average}' is not valid here; expected one of 'macro', 'micro', 'weighted', 'none'`,
    );
  }
  const zeroDivision = checkZeroDivision(fn, read.zeroDivision);
  const beta = checkBeta(fn, read.beta ?? 1);
  const { argmaxTotals, topK, totalWeight } = countScores(fn, yTrue, scores, read, [read.k], true);
  const counts = topK[0]!;
  const result = scoresFromTotals(topKTotals(argmaxTotals!, counts), beta, average, zeroDivision);
  return { ...result, k: counts.k, accuracy: counts.hits / totalWeight } as
    | TopKPrecisionRecallFscore<number>
    | TopKPrecisionRecallFscore<number[]>;
}

/**
 * The effective predictions behind {@link topKPrecisionRecallFscore}: the true class when it
 * is among the sample's `k` highest scores, else the argmax. Feed them to `confusionMatrix`
 * or `classificationReport` for a top-k matrix or report.
 *
 * @param options `k` (required), `numClasses` (default: row length), `labels`.
 * @returns Class indices, one per sample.
 * @example
 * topKPredictions([2, 0], [[0.1, 0.5, 0.4], [0.2, 0.7, 0.1]], { k: 2 }); // Int32Array [2, 1]
 */
export function topKPredictions(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: ClassOptions & { k: number },
): Int32Array {
  const fn = 'topKPredictions';
  options = readOptions<ClassOptions & { k: number }>(fn, options, ['k', 'numClasses', 'labels']) as ClassOptions & {
    k: number;
  };
  if (options.k === undefined) {
    throw new TypeError(`${fn}: options.k is required (e.g. { k: 2 } for top-2)`);
  }
  const numSamples = checkLabelArray(fn, 'yTrue', yTrue);
  const space = resolveClassSpace(fn, options, [['yTrue', yTrue]], scoreRowLength(fn, 'scores', scores, options));
  const rows = checkScores(fn, 'scores', scores, numSamples, space.numClasses);
  const k = checkK(fn, options.k, space.numClasses);
  const encodedTrue = encodeLabels(fn, 'yTrue', yTrue, space);
  const effective = addScores(fn, rows, encodedTrue, null, []);
  // Re-rank only where the argmax missed: a hit at k turns the prediction into the true class.
  for (let sample = 0; sample < numSamples; sample += 1) {
    const trueClass = encodedTrue[sample]!;
    if (effective[sample] === trueClass) continue;
    const row = rows.row(sample);
    const trueScore = row[trueClass]!;
    let rank = 0;
    for (let classIndex = 0; classIndex < space.numClasses; classIndex += 1) {
      const score = row[classIndex]!;
      if (score > trueScore || (score === trueScore && classIndex > trueClass)) rank += 1;
    }
    if (rank < k) effective[sample] = trueClass;
  }
  return effective;
}

/**
 * Index of the highest score per sample (ties: the lowest index, like `numpy.argmax`).
 *
 * @param scores `number[][]`, or a flat `Float32Array` with `options.numClasses`.
 * @param options `numClasses` (required for flat input).
 * @example
 * argmaxPredictions([[0.1, 0.9], [0.8, 0.2]]); // Int32Array [1, 0]
 */
export function argmaxPredictions(scores: ScoreMatrix, options: { numClasses?: number } = {}): Int32Array {
  const fn = 'argmaxPredictions';
  options = readOptions<{ numClasses?: number }>(fn, options, ['numClasses']);
  const numClasses = options?.numClasses ?? scoreRowLength(fn, 'scores', scores, options);
  if (numClasses === undefined) throw new RangeError(`${fn}: scores is empty; at least one sample is needed`);
  const space = resolveClassSpace(fn, { numClasses }, []);
  const numSamples =
    Array.isArray(scores) || !ArrayBuffer.isView(scores) ? scores.length : scores.length / space.numClasses;
  if (!Number.isInteger(numSamples) || numSamples === 0) {
    throw new RangeError(
      `${fn}: scores has ${scores.length} values, which is not a positive multiple of numClasses = ${space.numClasses}`,
    );
  }
  const rows = checkScores(fn, 'scores', scores, numSamples, space.numClasses);
  // Rank against class 0 as a stand-in true class; only the argmax is kept.
  return addScores(fn, rows, new Int32Array(numSamples), null, []);
}
