/**
 * More of scikit-learn's label-based metrics: Jaccard index, Matthews correlation, Cohen's
 * kappa, Hamming loss and zero-one loss, with scikit-learn 1.2's conventions.
 */

import { listedConfusion } from './confusion-matrix.js';
import { confusionOf, totalsOf } from './counts.js';
import type { WarningOptions } from './options.js';
import { checkAverage, checkZeroDivision, computeJaccard, type AverageOptions, type PrfSettings } from './prf.js';
import { countCorrect, labelTargets, setWiseTotals, type AccuracyOptions, type ScalarAverage } from './scores.js';
import { pairwiseSum } from './summation.js';
import type { LabelOptions, Targets } from './targets.js';
import { describeValue } from './validate.js';

/** Options of {@link jaccardScore}. */
export interface JaccardOptions extends LabelOptions, AverageOptions, WarningOptions {}

/**
 * Jaccard index `tp / (tp + fp + fn)`, like scikit-learn's `jaccard_score`, per class or
 * averaged (default `average: 'macro'`, as the other scores here; scikit-learn's is `'binary'`).
 *
 * @param options `average` (default `'macro'`), `zeroDivision` (default `'warn'`), `labels`,
 *   `numClasses`, `sampleWeight`, `posLabel`, `onWarning`.
 * @example
 * jaccardScore([0, 1, 2, 2], [0, 2, 2, 1], { average: 'none' }); // [1, 0, 1/3]
 * jaccardScore([[0, 1, 1], [1, 1, 0]], [[1, 1, 1], [1, 0, 0]], { average: 'samples' }); // 0.5833...
 */
export function jaccardScore(yTrue: Targets, yPred: Targets, options: JaccardOptions & { average: 'none' }): number[];
export function jaccardScore(
  yTrue: Targets,
  yPred: Targets,
  options?: JaccardOptions & { average?: ScalarAverage },
): number;
export function jaccardScore(yTrue: Targets, yPred: Targets, options?: JaccardOptions): number | number[];
export function jaccardScore(yTrue: Targets, yPred: Targets, options?: JaccardOptions): number | number[] {
  const fn = 'jaccardScore';
  const {
    options: read,
    targets,
    onWarning,
  } = labelTargets<JaccardOptions>(fn, yTrue, yPred, options, ['average', 'zeroDivision', 'posLabel']);
  const settings: PrfSettings = {
    fn,
    beta: 1,
    average: checkAverage(fn, read.average, 'macro'),
    zeroDivision: checkZeroDivision(fn, read.zeroDivision, true),
    warnFor: ['jaccard'],
    onWarning,
  };
  const totals = setWiseTotals(targets, settings, read.posLabel);
  return computeJaccard(totals, settings, settings.average === 'samples' ? targets.weights : null);
}

/** Options of {@link matthewsCorrcoef} and {@link hammingLoss}. */
export interface WeightedLabelOptions extends LabelOptions, WarningOptions {}

/**
 * Matthews correlation coefficient (multiclass: Gorodkin's R_K), like scikit-learn's
 * `matthews_corrcoef`: 1 perfect, 0 chance, -1 inverse; 0 where it is undefined.
 *
 * @param options `sampleWeight`, `labels`, `numClasses`.
 * @example
 * matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]); // -0.333...
 */
export function matthewsCorrcoef(yTrue: Targets, yPred: Targets, options?: WeightedLabelOptions): number {
  const { targets } = labelTargets<WeightedLabelOptions>('matthewsCorrcoef', yTrue, yPred, options, [], {
    allowMultilabel: false,
  });
  const { truePositives, trueTotals, predictedTotals } = totalsOf(confusionOf(targets), targets.numAll);
  const dot = (a: Float64Array, b: Float64Array): number => pairwiseSum(a.map((value, index) => value * b[index]!));
  const samples = pairwiseSum(predictedTotals);
  const covTruePred = pairwiseSum(truePositives) * samples - dot(trueTotals, predictedTotals);
  const covPredPred = samples * samples - dot(predictedTotals, predictedTotals);
  const covTrueTrue = samples * samples - dot(trueTotals, trueTotals);
  if (covPredPred * covTrueTrue === 0) return 0;
  return covTruePred / Math.sqrt(covTrueTrue * covPredPred);
}

/** Options of {@link cohenKappaScore}. */
export interface CohenKappaOptions extends LabelOptions, WarningOptions {
  /** Disagreement weights: none (default: every disagreement counts 1), `'linear'` or `'quadratic'` in class distance. */
  weights?: 'linear' | 'quadratic';
}

/**
 * Cohen's kappa, the agreement of two annotators beyond chance, like scikit-learn's
 * `cohen_kappa_score`.
 *
 * @param options `weights` (`'linear'` / `'quadratic'` for ordinal classes), `labels`,
 *   `numClasses`, `sampleWeight`.
 * @example
 * cohenKappaScore([0, 1, 1, 2], [0, 1, 2, 2]); // 0.6363...
 */
export function cohenKappaScore(y1: Targets, y2: Targets, options?: CohenKappaOptions): number {
  const fn = 'cohenKappaScore';
  const { options: read, targets } = labelTargets<CohenKappaOptions>(fn, y1, y2, options, ['weights'], {
    allowMultilabel: false,
  });
  if (read.weights !== undefined && read.weights !== 'linear' && read.weights !== 'quadratic') {
    throw new RangeError(
      `${fn}: weights = ${describeValue(read.weights)} is not valid; expected 'linear', 'quadratic' or none`,
    );
  }
  const size = targets.listed.length;
  const confusion = listedConfusion(fn, targets);
  const { trueTotals: rowSums, predictedTotals: columnSums } = totalsOf(confusion, size);
  const total = pairwiseSum(columnSums);
  const weighted = new Float64Array(size * size);
  const expected = new Float64Array(size * size);
  for (let row = 0; row < size; row += 1) {
    for (let column = 0; column < size; column += 1) {
      const distance = Math.abs(row - column);
      const weight =
        read.weights === undefined ? Number(distance !== 0) : read.weights === 'linear' ? distance : distance ** 2;
      weighted[row * size + column] = weight * confusion[row * size + column]!;
      // scikit-learn's np.outer(sum0, sum1) / sum: predicted totals by row index, true totals by column.
      expected[row * size + column] = (weight * (columnSums[row]! * rowSums[column]!)) / total;
    }
  }
  return 1 - pairwiseSum(weighted) / pairwiseSum(expected);
}

/**
 * Hamming loss, like scikit-learn's `hamming_loss`: the (weighted) share of wrong labels; for
 * multilabel rows, of wrong indicators.
 *
 * @param options `sampleWeight`, `labels`, `numClasses`.
 * @example
 * hammingLoss([1, 2, 3, 4], [2, 2, 3, 4]); // 0.25
 * hammingLoss([[0, 1], [1, 1]], [[0, 0], [0, 0]]); // 0.75
 */
export function hammingLoss(yTrue: Targets, yPred: Targets, options?: WeightedLabelOptions): number {
  const { targets } = labelTargets<WeightedLabelOptions>('hammingLoss', yTrue, yPred, options, []);
  const { numSamples, numAll, weights } = targets;
  const wrong = new Float64Array(numSamples);
  for (let sample = 0; sample < numSamples; sample += 1) {
    let count = 0;
    if (targets.kind === 'multilabel') {
      for (let column = 0; column < numAll; column += 1) {
        count += Number(targets.trueRows[sample * numAll + column] !== targets.predRows[sample * numAll + column]);
      }
    } else {
      count = Number(targets.yTrue[sample] !== targets.yPred[sample]);
    }
    wrong[sample] = count * (weights === null ? 1 : weights[sample]!);
  }
  const totalWeight = weights === null ? numSamples : pairwiseSum(weights);
  return pairwiseSum(wrong) / (totalWeight * (targets.kind === 'multilabel' ? numAll : 1));
}

/**
 * Zero-one loss, like scikit-learn's `zero_one_loss`: the share (or number, or weight) of
 * samples predicted wrongly, `1 - accuracyScore`; subset loss for multilabel rows.
 *
 * @param options `normalize` (default true), `sampleWeight`, `labels`, `numClasses`.
 * @example
 * zeroOneLoss([1, 2, 3, 4], [2, 2, 3, 4]); // 0.25
 * zeroOneLoss([1, 2, 3, 4], [2, 2, 3, 4], { normalize: false }); // 1
 */
export function zeroOneLoss(yTrue: Targets, yPred: Targets, options?: AccuracyOptions): number {
  const { correct, total, normalize } = countCorrect('zeroOneLoss', yTrue, yPred, options);
  return normalize ? 1 - correct / total : total - correct;
}
