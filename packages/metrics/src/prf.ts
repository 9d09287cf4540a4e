/**
 * Precision, recall and F-beta from class totals, with scikit-learn 1.2's averaging,
 * zero-division and warning rules (`precision_recall_fscore_support`, `_prf_divide`).
 */

import type { ClassTotals } from './counts.js';
import { emitWarning, type MetricWarning } from './options.js';
import { nanAverage, pairwiseSum } from './summation.js';
import type { Label } from './targets.js';
import { describeValue, listChoices } from './validate.js';

/**
 * How per-class scores are combined. `'none'` returns one value per class (scikit-learn's
 * `average=None`); `'binary'` the scores of `posLabel` alone; `'samples'` (multilabel) the
 * mean over samples.
 */
export type Average = 'macro' | 'micro' | 'weighted' | 'none' | 'binary' | 'samples';

/** The valid `average` values, in documentation order. */
export const AVERAGES: readonly Average[] = ['macro', 'micro', 'weighted', 'none', 'binary', 'samples'];

/** Value of a 0/0 ratio: `'warn'` (0 and a warning), 0, 1 or NaN. */
export type ZeroDivision = 'warn' | number;

/** Options shared by precision, recall and F-scores. */
export interface AverageOptions {
  /**
   * `'macro'`: unweighted mean over the classes (absent listed classes included, with their
   * `zeroDivision` value); `'micro'`: from global true/false positive counts (equals accuracy
   * for single-label data over all classes); `'weighted'`: mean weighted by support;
   * `'none'`: one value per class; `'binary'`: the class `posLabel` of binary data;
   * `'samples'`: mean over samples of multilabel data.
   */
  average?: Average;
  /**
   * Value used when a ratio is 0/0: precision with no predictions of a class, recall with no
   * samples of it, F with neither. `'warn'` (default, as scikit-learn): 0 and an
   * `UndefinedMetricWarning` through `onWarning`; `0` or `1` silently; `NaN` leaves those
   * classes out of macro and weighted averages (as scikit-learn 1.3+).
   */
  zeroDivision?: ZeroDivision;
  /** The positive class of `average: 'binary'`. Default: 1. */
  posLabel?: Label;
}

/** Per-class or averaged precision, recall, F-beta and support. */
export interface PrecisionRecallFscore<T extends number | number[]> {
  precision: T;
  recall: T;
  fscore: T;
  /**
   * Samples (sum of weights) per true class, per class; averaged: the total over the listed
   * classes (scikit-learn returns None there).
   */
  support: T;
}

/** Which ratios warn on zero division (scikit-learn's `warn_for`). */
export type WarnFor = readonly ('precision' | 'recall' | 'f-score' | 'jaccard')[];

/** How one precision/recall/F computation runs. */
export interface PrfSettings {
  fn: string;
  beta: number;
  average: Average;
  zeroDivision: ZeroDivision;
  warnFor: WarnFor;
  onWarning?: ((warning: MetricWarning) => void) | undefined;
}

/** Checks `average`; throws RangeError listing the valid choices. */
export function checkAverage(fn: string, average: unknown, fallback: Average): Average {
  if (average === undefined) return fallback;
  if (average === null) return 'none';
  if (typeof average !== 'string' || !(AVERAGES as readonly string[]).includes(average)) {
    throw new RangeError(
      `${fn}: average = ${describeValue(average)} is not valid; expected one of ${listChoices(AVERAGES)}`,
    );
  }
  return average as Average;
}

/** Checks `zeroDivision`: 0, 1 or NaN, or `'warn'` where `allowWarn`. */
export function checkZeroDivision(fn: string, zeroDivision: unknown, allowWarn?: false): number;
export function checkZeroDivision(fn: string, zeroDivision: unknown, allowWarn: true): ZeroDivision;
export function checkZeroDivision(fn: string, zeroDivision: unknown, allowWarn = false): ZeroDivision {
  if (zeroDivision === undefined) return allowWarn ? 'warn' : 0;
  if (allowWarn && zeroDivision === 'warn') return 'warn';
  if (typeof zeroDivision === 'number' && (zeroDivision === 0 || zeroDivision === 1 || Number.isNaN(zeroDivision))) {
    return zeroDivision;
  }
  throw new RangeError(
    `${fn}: zeroDivision = ${describeValue(zeroDivision)} is not valid; expected one of ${
      allowWarn ? "'warn', " : ''
    }0, 1, NaN`,
  );
}

/** Checks `beta`: a non-negative number (Infinity allowed: F equals recall). */
export function checkBeta(fn: string, beta: unknown): number {
  if (typeof beta !== 'number' || Number.isNaN(beta) || beta < 0) {
    throw new RangeError(`${fn}: beta = ${describeValue(beta)} must be a non-negative number`);
  }
  return beta;
}

function zeroValue(zeroDivision: ZeroDivision): number {
  return zeroDivision === 'warn' ? 0 : zeroDivision;
}

/** scikit-learn's `_warn_prf` message. */
function warnPrf(settings: PrfSettings, modifier: string, start: string, size: number): void {
  const [axis0, axis1] = settings.average === 'samples' ? ['label', 'sample'] : ['sample', 'label'];
  const where = size === 1 ? 'due to' : `in ${axis1}s with`;
  emitWarning(
    settings.onWarning,
    'UndefinedMetricWarning',
    `${settings.fn}: ${start} ill-defined and being set to 0.0 ${where} no ${modifier} ${axis0}s. Use \`zero_division\` parameter to control this behavior.`,
  );
}

/** `numerator / denominator` with `zeroDivision` where the denominator is 0 (`_prf_divide`). */
function prfDivide(
  numerator: Float64Array,
  denominator: Float64Array,
  metric: 'precision' | 'recall' | 'jaccard',
  modifier: string,
  settings: PrfSettings,
): Float64Array {
  const result = new Float64Array(numerator.length);
  let anyZero = false;
  for (let index = 0; index < numerator.length; index += 1) {
    if (denominator[index] === 0) {
      anyZero = true;
      result[index] = zeroValue(settings.zeroDivision);
    } else {
      result[index] = numerator[index]! / denominator[index]!;
    }
  }
  if (anyZero && settings.zeroDivision === 'warn' && settings.warnFor.includes(metric)) {
    const title = metric[0]!.toUpperCase() + metric.slice(1);
    const start = settings.warnFor.includes('f-score') ? `${title} and F-score are` : `${title} is`;
    warnPrf(settings, modifier, start, numerator.length);
  }
  return result;
}

/**
 * F-beta as scikit-learn 1.2 computes it, from precision and recall:
 * `(1 + b²)·p·r / (b²·p + r)`, 0 where the denominator is 0. With `zeroDivision: NaN` a NaN
 * precision or recall falls back to the count form `(1 + b²)·tp / (b²·support + predicted)`
 * (scikit-learn 1.3's), so F is NaN only for a class with neither samples nor predictions.
 */
function fbeta(
  precision: number,
  recall: number,
  beta: number,
  counts: { truePositives: number; trueTotal: number; predictedTotal: number },
): number {
  if (beta === Number.POSITIVE_INFINITY) return recall;
  const betaSquared = beta * beta;
  if (Number.isNaN(precision) || Number.isNaN(recall)) {
    const denominator = betaSquared * counts.trueTotal + counts.predictedTotal;
    return denominator === 0 ? Number.NaN : ((1 + betaSquared) * counts.truePositives) / denominator;
  }
  const denominator = betaSquared * precision + recall;
  return ((1 + betaSquared) * precision * recall) / (denominator === 0 ? 1 : denominator);
}

/**
 * Precision, recall, F-beta and support from totals (per class, or per sample for
 * `average: 'samples'`), averaged as `settings.average` says (`'binary'` totals hold the one
 * positive class).
 *
 * @param sampleWeights Weights of the per-sample totals (`'samples'` only).
 */
export function computePrf(
  totals: ClassTotals,
  settings: PrfSettings,
  sampleWeights: ArrayLike<number> | null = null,
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]> {
  const { average, zeroDivision } = settings;
  let { truePositives, trueTotals, predictedTotals } = totals;
  if (average === 'micro') {
    truePositives = Float64Array.of(pairwiseSum(truePositives));
    trueTotals = Float64Array.of(pairwiseSum(trueTotals));
    predictedTotals = Float64Array.of(pairwiseSum(predictedTotals));
  }
  const precision = prfDivide(truePositives, predictedTotals, 'precision', 'predicted', settings);
  const recall = prfDivide(truePositives, trueTotals, 'recall', 'true', settings);
  if (zeroDivision === 'warn' && settings.warnFor.length === 1 && settings.warnFor[0] === 'f-score') {
    if (trueTotals.some((total, index) => total === 0 && predictedTotals[index] === 0)) {
      warnPrf(settings, 'true nor predicted', 'F-score is', trueTotals.length);
    }
  }
  const fscore = Array.from(precision, (value, index) =>
    fbeta(value, recall[index]!, settings.beta, {
      truePositives: truePositives[index]!,
      trueTotal: trueTotals[index]!,
      predictedTotal: predictedTotals[index]!,
    }),
  );
  if (average === 'none') {
    return {
      precision: Array.from(precision),
      recall: Array.from(recall),
      fscore,
      support: Array.from(trueTotals),
    };
  }
  let weights: ArrayLike<number> | undefined;
  const support = average === 'samples' ? pairwiseSum(sampleWeights ?? trueTotals) : pairwiseSum(trueTotals);
  if (average === 'weighted') {
    weights = trueTotals;
    if (pairwiseSum(trueTotals) === 0) {
      // scikit-learn's special case: no samples of any listed class.
      const value = zeroDivision === 'warn' || zeroDivision === 0 ? 0 : zeroDivision;
      return pairwiseSum(predictedTotals) === 0
        ? { precision: value, recall: value, fscore: value, support }
        : { precision: 0, recall: value, fscore: 0, support };
    }
  } else if (average === 'samples') {
    weights = sampleWeights ?? undefined;
  }
  return {
    precision: nanAverage(precision, weights),
    recall: nanAverage(recall, weights),
    fscore: nanAverage(fscore, weights),
    support,
  };
}

/**
 * Jaccard index `tp / (tp + fp + fn)` from totals (per class, or per sample for `'samples'`),
 * averaged as scikit-learn's `jaccard_score` does.
 */
export function computeJaccard(
  totals: ClassTotals,
  settings: PrfSettings,
  sampleWeights: ArrayLike<number> | null = null,
): number | number[] {
  const { truePositives } = totals;
  let numerator = truePositives;
  let denominator = Float64Array.from(
    truePositives,
    (value, index) => totals.trueTotals[index]! + totals.predictedTotals[index]! - value,
  );
  if (settings.average === 'micro') {
    numerator = Float64Array.of(pairwiseSum(numerator));
    denominator = Float64Array.of(pairwiseSum(denominator));
  }
  const jaccard = prfDivide(numerator, denominator, 'jaccard', 'true or predicted', settings);
  if (settings.average === 'none') return Array.from(jaccard);
  let weights: ArrayLike<number> | undefined;
  if (settings.average === 'weighted' && totals.trueTotals.some((total) => total !== 0)) weights = totals.trueTotals;
  else if (settings.average === 'samples') weights = sampleWeights ?? undefined;
  return nanAverage(jaccard, weights);
}

/** Precision, recall and F-beta without warnings (numeric `zeroDivision`), as the accumulator needs. */
export function scoresFromTotals(
  totals: ClassTotals,
  beta: number,
  average: Average,
  zeroDivision: number,
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]> {
  return computePrf(totals, { fn: '', beta, average, zeroDivision, warnFor: [] });
}

/** Per-class precision, recall and F-beta (numeric `zeroDivision`). */
export function perClassScores(
  totals: ClassTotals,
  beta: number,
  zeroDivision: number,
): { precision: number[]; recall: number[]; fscore: number[]; support: number[] } {
  return scoresFromTotals(totals, beta, 'none', zeroDivision) as PrecisionRecallFscore<number[]>;
}

/**
 * Balanced accuracy from class totals: the mean recall over classes that occur in `yTrue`
 * (scikit-learn drops classes without samples rather than counting them as 0).
 *
 * @param onDropped Called when a class is dropped (scikit-learn warns "y_pred contains classes not in y_true").
 */
export function balancedAccuracyFromTotals(totals: ClassTotals, adjusted: boolean, onDropped?: () => void): number {
  const recalls: number[] = [];
  for (let classIndex = 0; classIndex < totals.trueTotals.length; classIndex += 1) {
    const trueTotal = totals.trueTotals[classIndex]!;
    if (trueTotal !== 0) recalls.push(totals.truePositives[classIndex]! / trueTotal);
  }
  if (recalls.length < totals.trueTotals.length) onDropped?.();
  let score = pairwiseSum(recalls) / recalls.length;
  if (adjusted) {
    const chance = 1 / recalls.length;
    score = (score - chance) / (1 - chance);
  }
  return score;
}
