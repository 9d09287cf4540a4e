/** Score-based metrics: top-k accuracy and top-k precision/recall/F. */

import { addScores, emptyTopKCounts, topKTotals, totalsOf, type ClassTotals, type TopKCounts } from './counts.js';
import {
  checkAverage,
  checkBeta,
  checkZeroDivision,
  scoresFromTotals,
  type AverageOptions,
  type PrecisionRecallFscore,
} from './prf.js';
import type { ScalarAverage } from './scores.js';
import {
  checkK,
  checkLabelArray,
  checkScores,
  encodeLabels,
  resolveClassSpace,
  scoreRowLength,
  type ClassOptions,
  type ClassSpace,
  type LabelArray,
  type ScoreMatrix,
} from './validate.js';

/** Options of {@link topKAccuracyScore}. */
export interface TopKAccuracyOptions extends ClassOptions {
  /** How many of the highest scores may contain the true class. Default: 2 (as scikit-learn). */
  k?: number;
  /** Return the fraction (default true) or the number of samples counted correct. */
  normalize?: boolean;
}

/** Options of {@link topKPrecisionRecallFscore}. */
export interface TopKScoreOptions extends ClassOptions, AverageOptions {
  /** How many of the highest scores may contain the true class. Required. */
  k: number;
  /** F-beta weight of recall. Default: 1 (F1). */
  beta?: number;
}

/** Result of {@link topKPrecisionRecallFscore}: scores plus the top-k accuracy. */
export type TopKPrecisionRecallFscore<T extends number | number[]> = PrecisionRecallFscore<T> & {
  k: number;
  /** Share of samples whose true class is among their k highest scores. */
  accuracy: number;
};

/** Counts of a scored sample set, for one or more k. */
export interface ScoreCounts {
  space: ClassSpace;
  numSamples: number;
  /** Totals of the argmax (top-1) confusion matrix; null unless requested. */
  argmaxTotals: ClassTotals | null;
  topK: TopKCounts[];
  argmax: Int32Array;
}

/** Validates `yTrue` and `scores` and counts them once for every k in `ks`. */
export function countScores(
  fn: string,
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: ClassOptions | undefined,
  ks: readonly unknown[],
  withTotals: boolean
): ScoreCounts {
  const numSamples = checkLabelArray(fn, 'yTrue', yTrue);
  const space = resolveClassSpace(fn, options, [['yTrue', yTrue]], scoreRowLength(fn, 'scores', scores, options));
  const rows = checkScores(fn, 'scores', scores, numSamples, space.numClasses);
  const topK = ks.map((k) => emptyTopKCounts(checkK(fn, k, space.numClasses), space.numClasses));
  const encodedTrue = encodeLabels(fn, 'yTrue', yTrue, space);
  const confusion = withTotals ? new Float64Array(space.numClasses * space.numClasses) : null;
  const argmax = addScores(fn, rows, encodedTrue, confusion, topK);
  const argmaxTotals = confusion === null ? null : totalsOf(confusion, space.numClasses);
  return { space, numSamples, argmaxTotals, topK, argmax };
}

/**
 * Top-k accuracy, like scikit-learn's `top_k_accuracy_score`: the share of samples whose true
 * class is among their `k` highest scores. Ties are broken toward the lower class index (like
 * `numpy.argmax`), so top-1 accuracy equals the accuracy of the argmax predictions.
 *
 * @param yTrue True class per sample (indices, or strings with `options.labels`).
 * @param scores Per-sample class scores: `number[][]`, or a flat `Float32Array` with `numClasses`.
 * @param options `k` (default 2), `normalize` (default true), `numClasses` (default: row length), `labels`.
 * @throws RangeError when `k` exceeds the number of classes or a score is NaN.
 * @example
 * topKAccuracyScore([2, 0], [[0.1, 0.5, 0.4], [0.2, 0.7, 0.1]], { k: 2 }); // 1
 * topKAccuracyScore([2, 0], new Float32Array([0.1, 0.5, 0.4, 0.2, 0.7, 0.1]), { k: 1, numClasses: 3 }); // 0
 */
export function topKAccuracyScore(yTrue: LabelArray, scores: ScoreMatrix, options: TopKAccuracyOptions = {}): number {
  const { topK, numSamples } = countScores('topKAccuracyScore', yTrue, scores, options, [options?.k ?? 2], false);
  const hits = topK[0]!.hits;
  return options?.normalize === false ? hits : hits / numSamples;
}

/**
 * Top-k precision, recall and F-beta in the sense of the pyramid-pooling paper's Table 1:
 * **a sample counts as correctly classified at k when its true class is among its k highest
 * scores; otherwise it counts as predicted as its top-1 (argmax) class.** Precision, recall
 * and F are then the usual ones (see {@link precisionRecallFscoreSupport}) of those effective
 * predictions, so at `k = 1` they equal the scores of the argmax predictions, and
 * micro-averaged values equal the top-k accuracy. Ties rank the lower class index first.
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
  options: TopKScoreOptions & { average: 'none' }
): TopKPrecisionRecallFscore<number[]>;
export function topKPrecisionRecallFscore(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: TopKScoreOptions & { average?: ScalarAverage }
): TopKPrecisionRecallFscore<number>;
export function topKPrecisionRecallFscore(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: TopKScoreOptions
): TopKPrecisionRecallFscore<number> | TopKPrecisionRecallFscore<number[]>;
export function topKPrecisionRecallFscore(
  yTrue: LabelArray,
  scores: ScoreMatrix,
  options: TopKScoreOptions
): TopKPrecisionRecallFscore<number> | TopKPrecisionRecallFscore<number[]> {
  const fn = 'topKPrecisionRecallFscore';
  if (options === undefined || options === null || options.k === undefined) {
    throw new TypeError(`${fn}: options.k is required (e.g. { k: 2 } for top-2)`);
  }
  const average = checkAverage(fn, options.average, 'macro');
  const zeroDivision = checkZeroDivision(fn, options.zeroDivision);
  const beta = checkBeta(fn, options.beta ?? 1);
  const { argmaxTotals, topK, numSamples } = countScores(fn, yTrue, scores, options, [options.k], true);
  const counts = topK[0]!;
  const result = scoresFromTotals(topKTotals(argmaxTotals!, counts), beta, average, zeroDivision);
  return { ...result, k: counts.k, accuracy: counts.hits / numSamples } as
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
  options: ClassOptions & { k: number }
): Int32Array {
  const fn = 'topKPredictions';
  if (options === undefined || options === null || options.k === undefined) {
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
      if (score > trueScore || (score === trueScore && classIndex < trueClass)) rank += 1;
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
  const numClasses = options?.numClasses ?? scoreRowLength(fn, 'scores', scores, options);
  if (numClasses === undefined) throw new RangeError(`${fn}: scores is empty; at least one sample is needed`);
  const space = resolveClassSpace(fn, { numClasses }, []);
  const numSamples =
    Array.isArray(scores) || !ArrayBuffer.isView(scores) ? scores.length : scores.length / space.numClasses;
  if (!Number.isInteger(numSamples) || numSamples === 0) {
    throw new RangeError(
      `${fn}: scores has ${scores.length} values, which is not a positive multiple of numClasses = ${space.numClasses}`
    );
  }
  const rows = checkScores(fn, 'scores', scores, numSamples, space.numClasses);
  // Rank against class 0 as a stand-in true class; only the argmax is kept.
  return addScores(fn, rows, new Int32Array(numSamples), null, []);
}
