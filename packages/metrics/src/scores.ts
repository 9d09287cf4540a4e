/** Label-based scores with scikit-learn's names, conventions and rounding. */

import { addToConfusion, totalsOf, type ClassTotals } from './counts.js';
import {
  balancedAccuracyFromTotals,
  checkAverage,
  checkBeta,
  checkZeroDivision,
  scoresFromTotals,
  type Average,
  type AverageOptions,
  type PrecisionRecallFscore,
} from './prf.js';
import {
  checkLabelArray,
  checkSameLength,
  encodeLabels,
  resolveClassSpace,
  type ClassOptions,
  type ClassSpace,
  type LabelArray,
} from './validate.js';

/** Options of the precision/recall/F functions. */
export interface ScoreOptions extends ClassOptions, AverageOptions {}

/** Options of {@link fbetaScore} and {@link precisionRecallFscoreSupport}. */
export interface FbetaOptions extends ScoreOptions {
  /** Weight of recall relative to precision (F2: `beta: 2`). Must be >= 0; Infinity gives recall. */
  beta: number;
}

/** Averaging other than `'none'`: the result is one number. */
export type ScalarAverage = Exclude<Average, 'none'>;

/** Counts of a labelled prediction set. */
export interface LabelCounts {
  space: ClassSpace;
  numSamples: number;
  /** Row-major count matrix. */
  counts: Float64Array;
  totals: ClassTotals;
}

/** Validates `yTrue`/`yPred` and counts them once. */
export function countLabels(
  fn: string,
  yTrue: LabelArray,
  yPred: LabelArray,
  options: ClassOptions | undefined
): LabelCounts {
  const numSamples = checkLabelArray(fn, 'yTrue', yTrue);
  checkSameLength(fn, 'yTrue', numSamples, 'yPred', checkLabelArray(fn, 'yPred', yPred));
  const space = resolveClassSpace(fn, options, [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ]);
  const counts = new Float64Array(space.numClasses * space.numClasses);
  addToConfusion(
    counts,
    space.numClasses,
    encodeLabels(fn, 'yTrue', yTrue, space),
    encodeLabels(fn, 'yPred', yPred, space)
  );
  return { space, numSamples, counts, totals: totalsOf(counts, space.numClasses) };
}

function averagedScore(
  fn: string,
  yTrue: LabelArray,
  yPred: LabelArray,
  options: ScoreOptions | undefined,
  beta: number,
  pick: 'precision' | 'recall' | 'fscore'
): number | number[] {
  const average = checkAverage(fn, options?.average, 'macro');
  const zeroDivision = checkZeroDivision(fn, options?.zeroDivision);
  const { totals } = countLabels(fn, yTrue, yPred, options);
  return scoresFromTotals(totals, beta, average, zeroDivision)[pick];
}

/**
 * Precision, recall, F-beta and support per class, or averaged, like scikit-learn's
 * `precision_recall_fscore_support`. Precision is `tp / (tp + fp)`, recall `tp / (tp + fn)`,
 * F-beta `(1 + beta²)·tp / ((1 + beta²)·tp + beta²·fn + fp)`.
 *
 * @param options `average` (default `'none'`: arrays per class, like scikit-learn's
 *   `average=None`), `beta` (default 1), `zeroDivision` (default 0), `numClasses`, `labels`.
 * @returns `{ precision, recall, fscore, support }`: arrays per class for `average: 'none'`,
 *   else numbers, with `support` the total sample count (scikit-learn returns None there).
 * @example
 * const { precision, recall, fscore, support } = precisionRecallFscoreSupport([0, 1, 2, 2], [0, 2, 2, 1]);
 * // precision [1, 0, 0.5], recall [1, 0, 0.5], fscore [1, 0, 0.5], support [1, 1, 2]
 */
export function precisionRecallFscoreSupport(
  yTrue: LabelArray,
  yPred: LabelArray,
  options?: Partial<FbetaOptions> & { average?: 'none' }
): PrecisionRecallFscore<number[]>;
export function precisionRecallFscoreSupport(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: Partial<FbetaOptions> & { average: ScalarAverage }
): PrecisionRecallFscore<number>;
export function precisionRecallFscoreSupport(
  yTrue: LabelArray,
  yPred: LabelArray,
  options?: Partial<FbetaOptions>
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]>;
export function precisionRecallFscoreSupport(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: Partial<FbetaOptions> = {}
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]> {
  const fn = 'precisionRecallFscoreSupport';
  const average = checkAverage(fn, options?.average, 'none');
  const zeroDivision = checkZeroDivision(fn, options?.zeroDivision);
  const beta = checkBeta(fn, options?.beta ?? 1);
  const { totals } = countLabels(fn, yTrue, yPred, options);
  return scoresFromTotals(totals, beta, average, zeroDivision);
}

/**
 * Precision `tp / (tp + fp)`, like scikit-learn's `precision_score` (default `average: 'macro'`
 * here, since scikit-learn's `'binary'` default rejects multiclass data).
 *
 * @param options `average` (default `'macro'`), `zeroDivision` (default 0), `numClasses`, `labels`.
 * @example
 * precisionScore([0, 1, 2, 2], [0, 2, 2, 1]); // (1 + 0 + 0.5) / 3 = 0.5
 * precisionScore([0, 1, 2, 2], [0, 2, 2, 1], { average: 'none' }); // [1, 0, 0.5]
 */
export function precisionScore(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: ScoreOptions & { average: 'none' }
): number[];
export function precisionScore(
  yTrue: LabelArray,
  yPred: LabelArray,
  options?: ScoreOptions & { average?: ScalarAverage }
): number;
export function precisionScore(yTrue: LabelArray, yPred: LabelArray, options?: ScoreOptions): number | number[];
export function precisionScore(yTrue: LabelArray, yPred: LabelArray, options?: ScoreOptions): number | number[] {
  return averagedScore('precisionScore', yTrue, yPred, options, 1, 'precision');
}

/**
 * Recall `tp / (tp + fn)`, like scikit-learn's `recall_score` (default `average: 'macro'`).
 * Macro recall over the classes present in `yTrue` is the balanced accuracy.
 *
 * @param options `average` (default `'macro'`), `zeroDivision` (default 0), `numClasses`, `labels`.
 * @example
 * recallScore([0, 1, 2, 2], [0, 2, 2, 1], { average: 'micro' }); // 0.5
 */
export function recallScore(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: ScoreOptions & { average: 'none' }
): number[];
export function recallScore(
  yTrue: LabelArray,
  yPred: LabelArray,
  options?: ScoreOptions & { average?: ScalarAverage }
): number;
export function recallScore(yTrue: LabelArray, yPred: LabelArray, options?: ScoreOptions): number | number[];
export function recallScore(yTrue: LabelArray, yPred: LabelArray, options?: ScoreOptions): number | number[] {
  return averagedScore('recallScore', yTrue, yPred, options, 1, 'recall');
}

/**
 * F1, the harmonic mean of precision and recall, like scikit-learn's `f1_score`
 * (default `average: 'macro'`). Micro-F1 equals accuracy for single-label data.
 *
 * @param options `average` (default `'macro'`), `zeroDivision` (default 0), `numClasses`, `labels`.
 * @example
 * f1Score(['cat', 'dog', 'dog'], ['cat', 'cat', 'dog'], { average: 'macro', labels: ['cat', 'dog'] }); // 0.666...
 */
export function f1Score(yTrue: LabelArray, yPred: LabelArray, options: ScoreOptions & { average: 'none' }): number[];
export function f1Score(
  yTrue: LabelArray,
  yPred: LabelArray,
  options?: ScoreOptions & { average?: ScalarAverage }
): number;
export function f1Score(yTrue: LabelArray, yPred: LabelArray, options?: ScoreOptions): number | number[];
export function f1Score(yTrue: LabelArray, yPred: LabelArray, options?: ScoreOptions): number | number[] {
  return averagedScore('f1Score', yTrue, yPred, options, 1, 'fscore');
}

/**
 * F-beta score, like scikit-learn's `fbeta_score`: recall weighs `beta` times as much as
 * precision (`beta: 2` is F2). Default `average: 'macro'`.
 *
 * @param options `beta` (required), `average` (default `'macro'`), `zeroDivision` (default 0),
 *   `numClasses`, `labels`.
 * @example
 * fbetaScore([0, 1, 2, 2], [0, 2, 2, 1], { beta: 2, average: 'weighted' });
 */
export function fbetaScore(yTrue: LabelArray, yPred: LabelArray, options: FbetaOptions & { average: 'none' }): number[];
export function fbetaScore(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: FbetaOptions & { average?: ScalarAverage }
): number;
export function fbetaScore(yTrue: LabelArray, yPred: LabelArray, options: FbetaOptions): number | number[];
export function fbetaScore(yTrue: LabelArray, yPred: LabelArray, options: FbetaOptions): number | number[] {
  const fn = 'fbetaScore';
  if (options === undefined || options === null || options.beta === undefined) {
    throw new TypeError(`${fn}: options.beta is required (e.g. { beta: 2 } for F2)`);
  }
  return averagedScore(fn, yTrue, yPred, options, checkBeta(fn, options.beta), 'fscore');
}

/** Options of {@link accuracyScore}. */
export interface AccuracyOptions extends ClassOptions {
  /** Return the fraction correct (default true) or the number of correct samples. */
  normalize?: boolean;
}

/**
 * Fraction (or number) of samples predicted correctly, like scikit-learn's `accuracy_score`.
 *
 * @param options `normalize` (default true), `numClasses`, `labels`.
 * @example
 * accuracyScore([0, 1, 2, 2], [0, 2, 2, 1]); // 0.5
 * accuracyScore([0, 1, 2, 2], [0, 2, 2, 1], { normalize: false }); // 2
 */
export function accuracyScore(yTrue: LabelArray, yPred: LabelArray, options: AccuracyOptions = {}): number {
  const { totals, numSamples } = countLabels('accuracyScore', yTrue, yPred, options);
  let correct = 0;
  for (const count of totals.truePositives) correct += count;
  return options?.normalize === false ? correct : correct / numSamples;
}

/** Options of {@link balancedAccuracyScore}. */
export interface BalancedAccuracyOptions extends ClassOptions {
  /** Rescale so chance level is 0 and perfect is 1 (scikit-learn's `adjusted`). Default false. */
  adjusted?: boolean;
}

/**
 * Balanced accuracy, like scikit-learn's `balanced_accuracy_score`: the mean recall over the
 * classes that occur in `yTrue` (classes only predicted, or absent, are left out).
 *
 * @param options `adjusted` (default false), `numClasses`, `labels`.
 * @example
 * balancedAccuracyScore([0, 0, 0, 1], [0, 0, 0, 0]); // (1 + 0) / 2 = 0.5
 */
export function balancedAccuracyScore(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: BalancedAccuracyOptions = {}
): number {
  const { totals } = countLabels('balancedAccuracyScore', yTrue, yPred, options);
  return balancedAccuracyFromTotals(totals, options?.adjusted === true);
}
