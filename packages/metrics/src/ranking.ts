/** Ranking metrics of scores: average precision, with scikit-learn 1.2's conventions. */

import { emitWarning, readOptions, type MetricWarning } from './options.js';
import { checkAverage } from './prf.js';
import { pairwiseSum } from './summation.js';
import { checkWeights, resolveTargets, type Label, type Targets } from './targets.js';
import { checkSameLength, describeValue, isArrayLike } from './validate.js';

/** Options of {@link averagePrecisionScore}. */
export interface AveragePrecisionOptions {
  /**
   * Multilabel input: `'macro'` (default), `'micro'`, `'weighted'` (by positives per column),
   * `'samples'` or `'none'` (one value per column). Binary input gives one value.
   */
  average?: 'macro' | 'micro' | 'weighted' | 'samples' | 'none';
  /** The positive class of binary input. Default: 1. */
  posLabel?: Label;
  /** Weight of each sample. Default: all 1. */
  sampleWeight?: ArrayLike<number>;
  /** Receives scikit-learn's warning when a column has no positive sample; default: see `WarningOptions`. */
  onWarning?: (warning: MetricWarning) => void;
}

/**
 * Average precision of one binary ranking (scikit-learn's `_binary_uninterpolated_average_precision`):
 * `Σ (R_k - R_{k-1}) P_k` over the distinct score thresholds, highest first.
 */
function binaryAveragePrecision(
  fn: string,
  isPositive: ArrayLike<boolean>,
  scores: ArrayLike<number>,
  weights: ArrayLike<number> | null,
  onWarning: AveragePrecisionOptions['onWarning'],
): number {
  const order = Array.from({ length: scores.length }, (_, index) => index).filter(
    (index) => weights === null || weights[index] !== 0,
  );
  // A stable ascending sort reversed, as NumPy's mergesort then [::-1]: ties keep reverse input order.
  order.sort((a, b) => scores[a]! - scores[b]! || a - b).reverse();
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  let positives = 0;
  let negatives = 0;
  order.forEach((sample, rank) => {
    const weight = weights === null ? 1 : weights[sample]!;
    if (isPositive[sample]) positives += weight;
    else negatives += weight;
    const next = order[rank + 1];
    if (next === undefined || scores[next] !== scores[sample]) {
      truePositives.push(positives);
      falsePositives.push(negatives);
    }
  });
  const totalPositives = truePositives[truePositives.length - 1] ?? 0;
  if (totalPositives === 0) {
    emitWarning(
      onWarning,
      'UserWarning',
      `${fn}: No positive class found in y_true, recall is set to one for all thresholds.`,
    );
  }
  let averagePrecision = 0;
  let previousRecall = 0;
  truePositives.forEach((tp, index) => {
    const predicted = tp + falsePositives[index]!;
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = totalPositives === 0 ? 1 : tp / totalPositives;
    averagePrecision += (recall - previousRecall) * precision;
    previousRecall = recall;
  });
  return averagePrecision;
}

function checkScore(fn: string, value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${fn}: ${at} = ${describeValue(value)} must be a finite score`);
  }
  return value;
}

/**
 * Average precision (the area under the precision-recall curve, without interpolation), like
 * scikit-learn's `average_precision_score`: `Σ (R_k - R_{k-1}) P_k` over score thresholds.
 * Binary labels with one score per sample, or multilabel indicator rows with a score row per
 * sample (averaged as `average` says); single-label multiclass input is an error, as in
 * scikit-learn 1.2.
 *
 * @param yTrue Binary labels, or multilabel indicator rows.
 * @param yScore Scores (higher means more likely positive): one per sample, or one row per sample.
 * @param options `average` (default `'macro'`), `posLabel` (default 1), `sampleWeight`, `onWarning`.
 * @example
 * averagePrecisionScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333...
 * averagePrecisionScore([[1, 0], [0, 1], [1, 1]], [[0.9, 0.2], [0.3, 0.8], [0.6, 0.4]], { average: 'micro' });
 */
export function averagePrecisionScore(
  yTrue: Targets,
  yScore: ArrayLike<number> | ArrayLike<ArrayLike<number>>,
  options?: AveragePrecisionOptions,
): number | number[] {
  const fn = 'averagePrecisionScore';
  const read = readOptions<AveragePrecisionOptions>(fn, options, ['average', 'posLabel', 'sampleWeight', 'onWarning']);
  const average = checkAverage(fn, read.average, 'macro');
  if (average === 'binary') {
    throw new RangeError(
      `${fn}: average = 'binary' is not valid; expected one of 'macro', 'micro', 'weighted', 'samples', 'none'`,
    );
  }
  const targets = resolveTargets(fn, yTrue, yTrue, {});
  if (!isArrayLike(yScore))
    throw new TypeError(`${fn}: yScore must be an array of scores, got ${describeValue(yScore)}`);
  checkSameLength(fn, 'yTrue', targets.numSamples, 'yScore', yScore.length);
  const weights = checkWeights(fn, read.sampleWeight, targets.numSamples);
  if (targets.kind === 'multiclass') throw new RangeError(`${fn}: multiclass format is not supported`);
  if (targets.kind === 'binary') {
    const positive = read.posLabel ?? 1;
    if (targets.present.length === 2 && !targets.present.includes(positive)) {
      throw new RangeError(
        `${fn}: posLabel = ${describeValue(positive)} is not a valid label; it should be one of ${targets.present
          .map((label) => describeValue(label))
          .join(', ')}`,
      );
    }
    const scores = Float64Array.from({ length: yScore.length }, (_, index) =>
      checkScore(fn, yScore[index], `yScore[${index}]`),
    );
    const isPositive = Array.from(yTrue as ArrayLike<unknown>, (label) => label === positive);
    return binaryAveragePrecision(fn, isPositive, scores, weights, read.onWarning);
  }
  if (read.posLabel !== undefined && read.posLabel !== 1) {
    throw new RangeError(`${fn}: posLabel is fixed to 1 for multilabel input; leave it out`);
  }
  const { numSamples, numAll: numColumns, trueRows } = targets;
  const scoreRows = Float64Array.from({ length: numSamples * numColumns }, (_, at) => {
    const sample = Math.floor(at / numColumns);
    const row = yScore[sample];
    if (!isArrayLike(row) || row.length !== numColumns) {
      throw new RangeError(`${fn}: yScore[${sample}] must be a row of ${numColumns} scores, like yTrue's rows`);
    }
    return checkScore(fn, row[at % numColumns], `yScore[${sample}][${at % numColumns}]`);
  });
  const column = (index: number) => ({
    isPositive: Array.from({ length: numSamples }, (_, sample) => trueRows[sample * numColumns + index] === 1),
    scores: Array.from({ length: numSamples }, (_, sample) => scoreRows[sample * numColumns + index]!),
  });
  if (average === 'micro') {
    const repeated =
      weights === null
        ? null
        : Float64Array.from({ length: numSamples * numColumns }, (_, at) => weights[Math.floor(at / numColumns)]!);
    return binaryAveragePrecision(
      fn,
      Array.from(trueRows, (bit) => bit === 1),
      scoreRows,
      repeated,
      read.onWarning,
    );
  }
  let scores: number[];
  let averageWeights: ArrayLike<number> | null = null;
  if (average === 'samples') {
    scores = Array.from({ length: numSamples }, (_, sample) =>
      binaryAveragePrecision(
        fn,
        Array.from({ length: numColumns }, (_, index) => trueRows[sample * numColumns + index] === 1),
        scoreRows.subarray(sample * numColumns, (sample + 1) * numColumns),
        null,
        read.onWarning,
      ),
    );
    averageWeights = weights;
  } else {
    scores = Array.from({ length: numColumns }, (_, index) => {
      const { isPositive, scores: columnScores } = column(index);
      return binaryAveragePrecision(fn, isPositive, columnScores, weights, read.onWarning);
    });
    if (average === 'weighted') {
      averageWeights = Float64Array.from({ length: numColumns }, (_, index) =>
        pairwiseSum(
          Float64Array.from({ length: numSamples }, (_, sample) =>
            trueRows[sample * numColumns + index] === 1 ? (weights === null ? 1 : weights[sample]!) : 0,
          ),
        ),
      );
      if (Math.abs(pairwiseSum(averageWeights)) <= 1e-8) return 0;
    }
  }
  if (average === 'none') return scores;
  if (averageWeights === null) return pairwiseSum(scores) / scores.length;
  const kept = scores.map((score, index) => (averageWeights![index] === 0 ? 0 : score));
  return pairwiseSum(kept.map((score, index) => score * averageWeights![index]!)) / pairwiseSum(averageWeights);
}
