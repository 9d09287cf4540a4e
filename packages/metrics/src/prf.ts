/**
 * Precision, recall and F-beta from class totals, with scikit-learn's averaging and
 * zero-division rules (as of scikit-learn 1.3+, which agree with 1.2 for the values 0 and 1).
 */

import type { ClassTotals } from './counts.js';
import { nanAverage, pairwiseSum } from './summation.js';
import { describeValue, listChoices } from './validate.js';

/** How per-class scores are combined. `'none'` returns one value per class. */
export type Average = 'macro' | 'micro' | 'weighted' | 'none';

/** The valid `average` values, in documentation order. */
export const AVERAGES: readonly Average[] = ['macro', 'micro', 'weighted', 'none'];

/** Options shared by precision, recall and F-scores. */
export interface AverageOptions {
  /**
   * `'macro'`: unweighted mean over all classes (absent classes included, with their
   * `zeroDivision` value); `'micro'`: from global true/false positive counts (equals accuracy
   * for single-label multiclass data); `'weighted'`: mean weighted by support;
   * `'none'`: one value per class.
   */
  average?: Average;
  /**
   * Value used when a ratio is 0/0: precision with no predictions of a class, recall with no
   * samples of it, F with neither. `0` (default, scikit-learn's `"warn"` result), `1`, or
   * `NaN`; NaN values are left out of macro and weighted averages, as scikit-learn does.
   */
  zeroDivision?: number;
}

/** Per-class or averaged precision, recall, F-beta and support. */
export interface PrecisionRecallFscore<T extends number | number[]> {
  precision: T;
  recall: T;
  fscore: T;
  /** Samples per true class (per class), or the total number of samples (averaged). */
  support: T;
}

/** Checks `average`; throws RangeError listing the valid choices. */
export function checkAverage(fn: string, average: unknown, fallback: Average): Average {
  if (average === undefined) return fallback;
  if (typeof average !== 'string' || !(AVERAGES as readonly string[]).includes(average)) {
    throw new RangeError(
      `${fn}: average = ${describeValue(average)} is not valid; expected one of ${listChoices(AVERAGES)}`
    );
  }
  return average as Average;
}

/** Checks `zeroDivision`: 0, 1 or NaN. */
export function checkZeroDivision(fn: string, zeroDivision: unknown): number {
  if (zeroDivision === undefined) return 0;
  if (typeof zeroDivision === 'number' && (zeroDivision === 0 || zeroDivision === 1 || Number.isNaN(zeroDivision))) {
    return zeroDivision;
  }
  throw new RangeError(`${fn}: zeroDivision = ${describeValue(zeroDivision)} is not valid; expected one of 0, 1, NaN`);
}

/** Checks `beta`: a non-negative number (Infinity allowed: F equals recall). */
export function checkBeta(fn: string, beta: unknown): number {
  if (typeof beta !== 'number' || Number.isNaN(beta) || beta < 0) {
    throw new RangeError(`${fn}: beta = ${describeValue(beta)} must be a non-negative number`);
  }
  return beta;
}

function divide(numerator: number, denominator: number, zeroDivision: number): number {
  return denominator === 0 ? zeroDivision : numerator / denominator;
}

/**
 * F-beta from counts: `(1 + b²)·tp / ((1 + b²)·tp + b²·fn + fp)`, written as
 * `(1 + b²)·tp / (b²·support + predicted)`, as scikit-learn computes it.
 */
function fbetaFromCounts(
  truePositives: number,
  trueTotal: number,
  predictedTotal: number,
  beta: number,
  zeroDivision: number
): number {
  if (beta === Number.POSITIVE_INFINITY) return divide(truePositives, trueTotal, zeroDivision);
  const betaSquared = beta * beta;
  return divide((1 + betaSquared) * truePositives, betaSquared * trueTotal + predictedTotal, zeroDivision);
}

/** Per-class precision, recall and F-beta. */
export function perClassScores(
  totals: ClassTotals,
  beta: number,
  zeroDivision: number
): { precision: number[]; recall: number[]; fscore: number[]; support: number[] } {
  const numClasses = totals.truePositives.length;
  const precision: number[] = new Array(numClasses);
  const recall: number[] = new Array(numClasses);
  const fscore: number[] = new Array(numClasses);
  for (let classIndex = 0; classIndex < numClasses; classIndex += 1) {
    const truePositives = totals.truePositives[classIndex]!;
    const trueTotal = totals.trueTotals[classIndex]!;
    const predictedTotal = totals.predictedTotals[classIndex]!;
    precision[classIndex] = divide(truePositives, predictedTotal, zeroDivision);
    recall[classIndex] = divide(truePositives, trueTotal, zeroDivision);
    fscore[classIndex] = fbetaFromCounts(truePositives, trueTotal, predictedTotal, beta, zeroDivision);
  }
  return { precision, recall, fscore, support: Array.from(totals.trueTotals) };
}

/** Precision, recall and F-beta, averaged as requested. */
export function scoresFromTotals(
  totals: ClassTotals,
  beta: number,
  average: Average,
  zeroDivision: number
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]> {
  if (average === 'micro') {
    const truePositives = pairwiseSum(totals.truePositives);
    const trueTotal = pairwiseSum(totals.trueTotals);
    const predictedTotal = pairwiseSum(totals.predictedTotals);
    return {
      precision: divide(truePositives, predictedTotal, zeroDivision),
      recall: divide(truePositives, trueTotal, zeroDivision),
      fscore: fbetaFromCounts(truePositives, trueTotal, predictedTotal, beta, zeroDivision),
      support: trueTotal,
    };
  }
  const perClass = perClassScores(totals, beta, zeroDivision);
  if (average === 'none') return perClass;
  // Every sample has a true class among the listed ones, so the weights never sum to zero.
  const weights = average === 'weighted' ? totals.trueTotals : undefined;
  return {
    precision: nanAverage(perClass.precision, weights),
    recall: nanAverage(perClass.recall, weights),
    fscore: nanAverage(perClass.fscore, weights),
    support: pairwiseSum(totals.trueTotals),
  };
}

/**
 * Balanced accuracy from class totals: the mean recall over classes that occur in `yTrue`
 * (scikit-learn drops classes without samples rather than counting them as 0).
 */
export function balancedAccuracyFromTotals(totals: ClassTotals, adjusted: boolean): number {
  const recalls: number[] = [];
  for (let classIndex = 0; classIndex < totals.trueTotals.length; classIndex += 1) {
    const trueTotal = totals.trueTotals[classIndex]!;
    if (trueTotal > 0) recalls.push(totals.truePositives[classIndex]! / trueTotal);
  }
  let score = pairwiseSum(recalls) / recalls.length;
  if (adjusted) {
    const chance = 1 / recalls.length;
    score = (score - chance) / (1 - chance);
  }
  return score;
}
