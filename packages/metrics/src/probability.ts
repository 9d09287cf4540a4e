/**
 * Metrics of predicted probabilities, decision functions and binary tests, with scikit-learn
 * 1.2's conventions: log loss, Brier score, hinge loss, and the likelihood ratios.
 */

import { listedConfusion } from './confusion-matrix.js';
import { emitWarning, readOptions, type WarningOptions } from './options.js';
import { labelTargets } from './scores.js';
import { pairwiseSum } from './summation.js';
import { checkWeights, resolveTargets, type Label, type LabelOptions, type Targets } from './targets.js';
import { checkSameLength, describeValue, isArrayLike, type LabelArray } from './validate.js';

/** Options of {@link logLoss}. */
export interface LogLossOptions {
  /**
   * Probabilities are clipped to `[eps, 1 - eps]`. Default `'auto'`: the machine epsilon of
   * the input (2^-23 for a `Float32Array`, else 2^-52), as scikit-learn's `eps="auto"`.
   */
  eps?: number | 'auto';
  /** Mean (default true) or sum of the per-sample losses. */
  normalize?: boolean;
  /** Weight of each sample. Default: all 1. */
  sampleWeight?: ArrayLike<number>;
  /** The classes, one per probability column (sorted as scikit-learn sorts them). Default: the labels in `yTrue`. */
  labels?: readonly Label[];
}

function sortedDistinct(values: readonly Label[]): Label[] {
  return [...new Set(values)].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
}

/** Mean (weighted) or sum of per-sample values, as scikit-learn's `_weighted_sum`. */
function weightedSum(values: Float64Array, weights: Float64Array | null, normalize: boolean): number {
  if (weights === null) return normalize ? pairwiseSum(values) / values.length : pairwiseSum(values);
  const weighted = pairwiseSum(values.map((value, index) => value * weights[index]!));
  return normalize ? weighted / pairwiseSum(weights) : weighted;
}

/**
 * Log loss (cross-entropy) of predicted probabilities, like scikit-learn's `log_loss`:
 * `-Σ log p(true class)`, averaged. Probabilities are clipped to `[eps, 1 - eps]` and each row
 * is renormalised to sum to 1.
 *
 * @param yTrue True label per sample.
 * @param yPred Probabilities: one row per sample (columns in the sorted order of the classes),
 *   or, for two classes, the probability of the second class per sample.
 * @param options `eps` (default `'auto'`), `normalize` (default true), `sampleWeight`, `labels`.
 * @example
 * logLoss(['spam', 'ham', 'ham', 'spam'], [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]]); // 0.2162...
 * logLoss([0, 1, 1], [0.1, 0.8, 0.6]); // 0.2798...
 */
export function logLoss(
  yTrue: LabelArray,
  yPred: ArrayLike<number> | ArrayLike<ArrayLike<number>>,
  options?: LogLossOptions,
): number {
  const fn = 'logLoss';
  const read = readOptions<LogLossOptions>(fn, options, ['eps', 'normalize', 'sampleWeight', 'labels']);
  const numSamples = resolveTargets(fn, yTrue, yTrue, {}, { allowMultilabel: false }).numSamples; // label checks only
  if (!isArrayLike(yPred))
    throw new TypeError(`${fn}: yPred must be an array of probabilities, got ${describeValue(yPred)}`);
  checkSameLength(fn, 'yTrue', numSamples, 'yPred', yPred.length);
  const weights = checkWeights(fn, read.sampleWeight, numSamples);
  const classes = sortedDistinct(read.labels === undefined ? Array.from(yTrue) : Array.from(read.labels));
  if (classes.length === 1) {
    throw new RangeError(
      read.labels === undefined
        ? `${fn}: yTrue contains only one label (${describeValue(classes[0])}); pass the classes in options.labels`
        : `${fn}: labels needs at least two labels for log loss, got ${describeValue(classes[0])}`,
    );
  }
  const first = yPred[0];
  const isFloat32 = yPred instanceof Float32Array || first instanceof Float32Array;
  const eps = read.eps === undefined || read.eps === 'auto' ? (isFloat32 ? 2 ** -23 : 2 ** -52) : read.eps;
  if (typeof eps !== 'number' || !(eps >= 0 && eps < 0.5)) {
    throw new RangeError(`${fn}: eps = ${describeValue(eps)} must be 'auto' or a number in [0, 0.5)`);
  }
  const clip = (value: unknown, at: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`${fn}: ${at} = ${describeValue(value)} must be a finite probability`);
    }
    return Math.min(Math.max(value, eps), 1 - eps);
  };
  const rows: number[][] = Array.from({ length: numSamples }, (_, sample) => {
    const row = yPred[sample];
    if (isArrayLike(row) && row.length !== 1)
      return Array.from(row, (value, column) => clip(value, `yPred[${sample}][${column}]`));
    const positive = clip(isArrayLike(row) ? row[0] : row, `yPred[${sample}]`);
    return [1 - positive, positive];
  });
  const numColumns = rows[0]?.length ?? classes.length;
  if (rows.some((row) => row.length !== numColumns) || numColumns !== classes.length) {
    throw new RangeError(
      `${fn}: yPred has ${numColumns} probability columns but there are ${classes.length} classes (${classes
        .map((label) => describeValue(label))
        .join(', ')})${read.labels === undefined ? '; pass the classes in options.labels' : ''}`,
    );
  }
  const columnOf = new Map<unknown, number>(classes.map((label, index) => [label, index]));
  const losses = Float64Array.from(rows, (row, sample) => {
    const column = columnOf.get(yTrue[sample]);
    // A label outside `labels` has no column: scikit-learn's binarizer gives it an all-zero row (loss 0).
    return column === undefined ? 0 : -Math.log(row[column]! / pairwiseSum(row));
  });
  return weightedSum(losses, weights, read.normalize !== false);
}

/** Options of {@link brierScoreLoss}. */
export interface BrierOptions {
  /** Weight of each sample. Default: all 1. */
  sampleWeight?: ArrayLike<number>;
  /**
   * The positive class. Default: 1 when the labels are in {0, 1} or {-1, 1}, else the largest
   * numeric label; required for string labels.
   */
  posLabel?: Label;
}

/**
 * Brier score of binary probabilities, like scikit-learn's `brier_score_loss`: the (weighted)
 * mean of `(y - p)²`, with `y` 1 for the positive class and `p` its predicted probability.
 *
 * @param options `sampleWeight`, `posLabel`.
 * @example
 * brierScoreLoss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]); // 0.0375
 * brierScoreLoss(['spam', 'ham', 'ham', 'spam'], [0.9, 0.1, 0.2, 0.7], { posLabel: 'spam' }); // 0.0375
 */
export function brierScoreLoss(yTrue: LabelArray, yProb: ArrayLike<number>, options?: BrierOptions): number {
  const fn = 'brierScoreLoss';
  const read = readOptions<BrierOptions>(fn, options, ['sampleWeight', 'posLabel']);
  const targets = resolveTargets(fn, yTrue, yTrue, { sampleWeight: read.sampleWeight }, { allowMultilabel: false });
  if (!isArrayLike(yProb))
    throw new TypeError(`${fn}: yProb must be an array of probabilities, got ${describeValue(yProb)}`);
  checkSameLength(fn, 'yTrue', targets.numSamples, 'yProb', yProb.length);
  if (targets.kind !== 'binary') {
    throw new RangeError(`${fn}: only binary targets are supported; yTrue holds ${targets.present.length} labels`);
  }
  const probabilities = Float64Array.from({ length: yProb.length }, (_, index) => {
    const value = yProb[index];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`${fn}: yProb[${index}] = ${describeValue(value)} must be a finite probability`);
    }
    if (value > 1 || value < 0) throw new RangeError(`${fn}: yProb[${index}] = ${value} is outside [0, 1]`);
    return value;
  });
  let positive = read.posLabel;
  if (positive === undefined) {
    const present = targets.present;
    if (typeof present[0] === 'string') {
      throw new TypeError(
        `${fn}: yTrue holds strings (${present.map((label) => describeValue(label)).join(', ')}); pass posLabel`,
      );
    }
    const standard = [[0, 1], [-1, 1], [0], [-1], [1]].some((set) =>
      present.every((label) => set.includes(label as number)),
    );
    positive = standard ? 1 : present[present.length - 1];
  }
  const squared = Float64Array.from(
    probabilities,
    (probability, index) => (Number(yTrue[index] === positive) - probability) ** 2,
  );
  return weightedSum(squared, targets.weights, true);
}

/** Options of {@link classLikelihoodRatios}. */
export interface LikelihoodRatioOptions extends LabelOptions, WarningOptions {
  /** Warn where a ratio is undefined (scikit-learn's `raise_warning`). Default true. */
  raiseWarning?: boolean;
}

/**
 * Positive and negative likelihood ratios of a binary test, like scikit-learn's
 * `class_likelihood_ratios`: `LR+ = sensitivity / (1 - specificity)`,
 * `LR- = (1 - sensitivity) / specificity`; NaN (with a warning) where undefined.
 *
 * @param options `labels` (`[negative, positive]`; default the two labels, sorted), `sampleWeight`,
 *   `raiseWarning` (default true), `onWarning`.
 * @example
 * classLikelihoodRatios([0, 1, 0, 1, 0], [1, 1, 0, 0, 0]); // { positiveLikelihoodRatio: 1.5, negativeLikelihoodRatio: 0.75 }
 */
export function classLikelihoodRatios(
  yTrue: Targets,
  yPred: Targets,
  options?: LikelihoodRatioOptions,
): { positiveLikelihoodRatio: number; negativeLikelihoodRatio: number } {
  const fn = 'classLikelihoodRatios';
  const {
    options: read,
    targets,
    onWarning,
  } = labelTargets<LikelihoodRatioOptions>(fn, yTrue, yPred, options, ['raiseWarning'], { allowMultilabel: false });
  if (targets.kind !== 'binary') {
    throw new RangeError(
      `${fn}: only binary classification is supported; the targets hold ${targets.present.length} labels`,
    );
  }
  const warn = (message: string): void => {
    if (read.raiseWarning !== false) emitWarning(onWarning, 'UserWarning', `${fn}: ${message}`);
  };
  const cm = listedConfusion(fn, targets);
  if (targets.listed.length === 1) {
    warn('samples of only one class were seen during testing ');
    return { positiveLikelihoodRatio: Number.NaN, negativeLikelihoodRatio: Number.NaN };
  }
  const [tn, fp, fn_, tp] = [cm[0]!, cm[1]!, cm[2]!, cm[3]!];
  const supportPositive = tp + fn_;
  const supportNegative = tn + fp;
  if (supportPositive === 0) warn('no samples of the positive class were present in the testing set ');
  let positiveLikelihoodRatio: number;
  if (fp === 0) {
    warn(
      tp === 0
        ? 'no samples predicted for the positive class'
        : 'positive_likelihood_ratio ill-defined and being set to nan ',
    );
    positiveLikelihoodRatio = Number.NaN;
  } else {
    positiveLikelihoodRatio = (tp * supportNegative) / (fp * supportPositive);
  }
  let negativeLikelihoodRatio: number;
  if (tn === 0) {
    warn('negative_likelihood_ratio ill-defined and being set to nan ');
    negativeLikelihoodRatio = Number.NaN;
  } else {
    negativeLikelihoodRatio = (fn_ * supportNegative) / (tn * supportPositive);
  }
  return { positiveLikelihoodRatio, negativeLikelihoodRatio };
}

/** Options of {@link hingeLoss}. */
export interface HingeLossOptions {
  /** All classes, when `yTrue` lacks some (multiclass): one per decision column, sorted. Default: the labels in `yTrue`. */
  labels?: readonly Label[];
  /** Weight of each sample. Default: all 1. */
  sampleWeight?: ArrayLike<number>;
}

/**
 * Average hinge loss of decision-function values, like scikit-learn's `hinge_loss`: binary
 * `max(0, 1 - y·f)` with `y` = +1 for the larger label and -1 for the other; multiclass
 * (Crammer-Singer) `max(0, 1 - f_true + max_other f)`.
 *
 * @param yTrue True label per sample.
 * @param predDecision Binary: one decision value per sample; multiclass: one row per sample,
 *   one column per class (sorted).
 * @param options `labels`, `sampleWeight`.
 * @example
 * hingeLoss([0, 1, 1], [-0.5, 0.3, 2]); // 0.4
 * hingeLoss([0, 1, 2], [[1, 0, 0], [0, 1, 0.5], [0.2, 0.1, 0.9]]); // 0.2666...
 */
export function hingeLoss(
  yTrue: LabelArray,
  predDecision: ArrayLike<number> | ArrayLike<ArrayLike<number>>,
  options?: HingeLossOptions,
): number {
  const fn = 'hingeLoss';
  const read = readOptions<HingeLossOptions>(fn, options, ['labels', 'sampleWeight']);
  const numSamples = resolveTargets(fn, yTrue, yTrue, {}, { allowMultilabel: false }).numSamples;
  if (!isArrayLike(predDecision)) {
    throw new TypeError(`${fn}: predDecision must be an array of decision values, got ${describeValue(predDecision)}`);
  }
  checkSameLength(fn, 'yTrue', numSamples, 'predDecision', predDecision.length);
  const weights = checkWeights(fn, read.sampleWeight, numSamples);
  const classes = sortedDistinct(read.labels === undefined ? Array.from(yTrue) : Array.from(read.labels));
  const value = (entry: unknown, at: string): number => {
    if (typeof entry !== 'number' || Number.isNaN(entry))
      throw new TypeError(`${fn}: ${at} = ${describeValue(entry)} must be a number`);
    return entry;
  };
  const losses = new Float64Array(numSamples);
  if (classes.length > 2) {
    const columnOf = new Map<unknown, number>(classes.map((label, index) => [label, index]));
    for (let sample = 0; sample < numSamples; sample += 1) {
      const row = predDecision[sample];
      if (!isArrayLike(row)) {
        throw new RangeError(
          `${fn}: multiclass targets need one row of ${
            classes.length
          } decision values per sample; predDecision[${sample}] = ${describeValue(row)}`,
        );
      }
      if (row.length !== classes.length) {
        throw new RangeError(
          `${fn}: predDecision[${sample}] has ${row.length} values but there are ${classes.length} classes${
            read.labels === undefined ? '; pass every class in options.labels' : ''
          }`,
        );
      }
      const trueColumn = columnOf.get(yTrue[sample]);
      if (trueColumn === undefined)
        throw new RangeError(`${fn}: yTrue[${sample}] = ${describeValue(yTrue[sample])} is not one of labels`);
      let bestOther = Number.NEGATIVE_INFINITY;
      for (let column = 0; column < row.length; column += 1) {
        const decision = value(row[column], `predDecision[${sample}][${column}]`);
        if (column !== trueColumn && decision > bestOther) bestOther = decision;
      }
      losses[sample] = Math.max(0, 1 - (value(row[trueColumn], '') - bestOther));
    }
  } else {
    // scikit-learn binarises yTrue's own labels: the larger is +1 (a single label is -1).
    const present = sortedDistinct(Array.from(yTrue));
    const positive = present.length === 2 ? present[1] : undefined;
    for (let sample = 0; sample < numSamples; sample += 1) {
      const entry = predDecision[sample];
      const decision = value(isArrayLike(entry) && entry.length === 1 ? entry[0] : entry, `predDecision[${sample}]`);
      losses[sample] = Math.max(0, 1 - (yTrue[sample] === positive ? 1 : -1) * decision);
    }
  }
  return weightedSum(losses, weights, true);
}
