/** Streaming metrics for training and evaluation loops. */

import { confusionMatrixFromCounts, type ConfusionMatrix } from './confusion-matrix.js';
import { addScores, addToConfusion, emptyTopKCounts, topKTotals, totalsOf, type TopKCounts } from './counts.js';
import {
  balancedAccuracyFromTotals,
  checkZeroDivision,
  perClassScores,
  scoresFromTotals,
  type PrecisionRecallFscore,
} from './prf.js';
import { readOptions } from './options.js';
import { ClassificationReport } from './report.js';
import {
  checkK,
  checkLabelArray,
  checkSameLength,
  checkScores,
  describeValue,
  encodeLabels,
  isFlatScores,
  resolveClassSpace,
  type ClassSpace,
  type LabelArray,
  type ScoreMatrix,
} from './validate.js';

/** Options of {@link MetricsAccumulator}. */
export interface MetricsAccumulatorOptions {
  /** Number of classes. Required unless `labels` is given. */
  numClasses?: number;
  /** Class names in index order; needed for string labels. */
  labels?: readonly string[];
  /**
   * The k values for top-k metrics, tracked when batches come with scores.
   * Default: those of 1, 2 and 5 that do not exceed `numClasses`.
   */
  topK?: readonly number[];
  /** Value of 0/0 ratios: 0 (default), 1 or NaN; see `precisionRecallFscoreSupport`. */
  zeroDivision?: number;
}

/** Precision, recall and F1 averages. */
export interface AveragedScores {
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  microF1: number;
  weightedPrecision: number;
  weightedRecall: number;
  weightedF1: number;
}

/** Top-k metrics for one k (see `topKPrecisionRecallFscore` for the definition). */
export interface TopKMetrics extends AveragedScores {
  k: number;
  /** Share of samples whose true class is among their k highest scores. */
  accuracy: number;
}

/** What {@link MetricsAccumulator.compute} returns. */
export interface MetricsSummary extends AveragedScores {
  numSamples: number;
  numClasses: number;
  labels: readonly string[];
  /** Accuracy of the predictions (argmax of the scores when scores were given). */
  accuracy: number;
  balancedAccuracy: number;
  /** Counts; rows true, columns predicted. */
  confusionMatrix: ConfusionMatrix;
  perClass: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
  /** Per k, only when every batch came with scores; empty otherwise. */
  topK: TopKMetrics[];
  /** `{ [k]: top-k accuracy }`, same condition as `topK`. */
  topKAccuracy: Record<number, number>;
}

function averagedScores(
  scores: (average: 'macro' | 'micro' | 'weighted') => PrecisionRecallFscore<number>,
): AveragedScores {
  const macro = scores('macro');
  const weighted = scores('weighted');
  return {
    macroPrecision: macro.precision,
    macroRecall: macro.recall,
    macroF1: macro.fscore,
    microF1: scores('micro').fscore,
    weightedPrecision: weighted.precision,
    weightedRecall: weighted.recall,
    weightedF1: weighted.fscore,
  };
}

/**
 * Tells scores from predictions: rows of numbers, or a flat float array longer than the batch.
 * A flat float array of exactly one value per sample is taken as predicted classes.
 */
function looksLikeScores(value: unknown, batchSize: number): boolean {
  if (isFlatScores(value)) return value.length !== batchSize;
  if (value === null || typeof value !== 'object') return false;
  const first = (value as ArrayLike<unknown>)[0];
  return first !== null && typeof first === 'object';
}

/**
 * Accumulates classification metrics batch by batch. It keeps only integer counts: the
 * confusion matrix (numClasses²) and, per k, two numClasses-long vectors for top-k metrics,
 * never the predictions, so memory does not grow with the dataset. `compute()` gives exactly
 * the values the one-shot functions give on all batches together.
 *
 * @example
 * const metrics = new MetricsAccumulator({ numClasses: 50 });
 * for (const { labels, logits } of batches) metrics.update(labels, logits); // logits: number[][] or flat Float32Array
 * const { accuracy, macroF1, topKAccuracy, confusionMatrix } = metrics.compute();
 * console.log(metrics.report().toText());
 * metrics.reset(); // next epoch
 */
export class MetricsAccumulator {
  readonly numClasses: number;
  readonly labels: readonly string[];
  readonly topK: readonly number[];
  readonly #space: ClassSpace;
  readonly #zeroDivision: number;
  readonly #confusion: Float64Array;
  #topKCounts: TopKCounts[];
  #numSamples = 0;
  #mode: 'scores' | 'predictions' | null = null;

  /**
   * @param options `numClasses` or `labels` (one is required), `topK` (default: 1, 2, 5 up to
   *   numClasses), `zeroDivision` (default 0).
   */
  constructor(options: MetricsAccumulatorOptions) {
    const fn = 'MetricsAccumulator';
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`${fn}: options must be an object with numClasses or labels, got ${describeValue(options)}`);
    }
    options = readOptions<MetricsAccumulatorOptions>(fn, options, ['numClasses', 'labels', 'topK', 'zeroDivision']);
    if (options.numClasses === undefined && options.labels === undefined) {
      throw new TypeError(`${fn}: pass options.numClasses or options.labels`);
    }
    this.#space = resolveClassSpace(fn, options, []);
    this.numClasses = this.#space.numClasses;
    this.labels = Object.freeze([...this.#space.names]);
    this.#zeroDivision = checkZeroDivision(fn, options.zeroDivision);
    const topK = options.topK ?? [1, 2, 5].filter((k) => k <= this.numClasses);
    if (!Array.isArray(topK))
      throw new TypeError(`${fn}: topK must be an array of k values, got ${describeValue(topK)}`);
    this.topK = Object.freeze(topK.map((k, index) => checkK(fn, k, this.numClasses, `topK[${index}]`)));
    this.#confusion = new Float64Array(this.numClasses * this.numClasses);
    this.#topKCounts = this.topK.map((k) => emptyTopKCounts(k, this.numClasses));
  }

  /** Number of samples added since construction or the last `reset()`. */
  get numSamples(): number {
    return this.#numSamples;
  }

  /**
   * Adds a batch. The second argument is either predicted classes (indices or label strings,
   * one per sample) or scores: an array of per-sample rows, or a flat `Float32Array`/
   * `Float64Array` of `batchSize * numClasses` values. With scores, the prediction is the
   * argmax and top-k metrics are tracked too. A flat float array of exactly `batchSize`
   * values counts as predictions. Every batch since the last `reset()` must be of the same
   * kind, so top-k metrics always cover all samples. Empty batches are ignored.
   *
   * @throws TypeError/RangeError on bad input; the batch is then not counted.
   */
  update(yTrue: LabelArray, predictionsOrScores: LabelArray | ScoreMatrix): this {
    const fn = 'MetricsAccumulator.update';
    const batchSize = checkLabelArray(fn, 'yTrue', yTrue, true);
    return looksLikeScores(predictionsOrScores, batchSize)
      ? this.updateScores(yTrue, predictionsOrScores as ScoreMatrix)
      : this.updatePredictions(yTrue, predictionsOrScores as LabelArray);
  }

  /** Adds a batch of predicted classes; see {@link update}. */
  updatePredictions(yTrue: LabelArray, yPred: LabelArray): this {
    const fn = 'MetricsAccumulator.updatePredictions';
    const batchSize = checkLabelArray(fn, 'yTrue', yTrue, true);
    checkSameLength(fn, 'yTrue', batchSize, 'yPred', checkLabelArray(fn, 'yPred', yPred, true));
    if (batchSize === 0) return this;
    this.#checkMode(fn, 'predictions');
    const encodedTrue = encodeLabels(fn, 'yTrue', yTrue, this.#space);
    const encodedPred = encodeLabels(fn, 'yPred', yPred, this.#space);
    addToConfusion(this.#confusion, this.numClasses, encodedTrue, encodedPred);
    this.#numSamples += batchSize;
    this.#mode = 'predictions';
    return this;
  }

  /** Adds a batch of per-sample class scores; see {@link update}. */
  updateScores(yTrue: LabelArray, scores: ScoreMatrix): this {
    const fn = 'MetricsAccumulator.updateScores';
    const batchSize = checkLabelArray(fn, 'yTrue', yTrue, true);
    if (batchSize === 0) return this;
    this.#checkMode(fn, 'scores');
    const rows = checkScores(fn, 'scores', scores, batchSize, this.numClasses);
    const encodedTrue = encodeLabels(fn, 'yTrue', yTrue, this.#space);
    // Rank into per-batch counts first, so a NaN halfway through leaves the totals untouched;
    // the batch's cells are added from the argmax afterwards (O(batch), not O(numClasses²)).
    const batchTopK = this.topK.map((k) => emptyTopKCounts(k, this.numClasses));
    const argmax = addScores(fn, rows, encodedTrue, null, batchTopK);
    addToConfusion(this.#confusion, this.numClasses, encodedTrue, argmax);
    batchTopK.forEach((batch, index) => {
      const total = this.#topKCounts[index]!;
      total.hits += batch.hits;
      for (let classIndex = 0; classIndex < this.numClasses; classIndex += 1) {
        total.rescuedByTrueClass[classIndex]! += batch.rescuedByTrueClass[classIndex]!;
        total.rescuedByArgmaxClass[classIndex]! += batch.rescuedByArgmaxClass[classIndex]!;
      }
    });
    this.#numSamples += batchSize;
    this.#mode = 'scores';
    return this;
  }

  #checkMode(fn: string, mode: 'scores' | 'predictions'): void {
    if (this.#mode !== null && this.#mode !== mode) {
      throw new TypeError(
        `${fn}: this batch has ${mode} but earlier batches had ${
          this.#mode
        }; top-k metrics need scores for every sample, so pass the same kind for all batches (or call reset())`,
      );
    }
  }

  /**
   * Adds another accumulator's counts (e.g. from another worker). Both must have the same
   * classes and top-k values, and have seen the same kind of batches.
   *
   * @example
   * const total = new MetricsAccumulator({ numClasses: 10 });
   * for (const workerMetrics of perWorker) total.merge(workerMetrics);
   */
  merge(other: MetricsAccumulator): this {
    const fn = 'MetricsAccumulator.merge';
    if (!(other instanceof MetricsAccumulator)) {
      throw new TypeError(`${fn}: other must be a MetricsAccumulator, got ${describeValue(other)}`);
    }
    if (other.numClasses !== this.numClasses || other.topK.join() !== this.topK.join()) {
      throw new RangeError(
        `${fn}: other has numClasses = ${other.numClasses} and topK = [${other.topK.join(
          ', ',
        )}] but this has numClasses = ${this.numClasses} and topK = [${this.topK.join(', ')}]`,
      );
    }
    if (other.#numSamples === 0) return this;
    this.#checkMode(fn, other.#mode!);
    for (let index = 0; index < this.#confusion.length; index += 1) this.#confusion[index]! += other.#confusion[index]!;
    this.#topKCounts.forEach((total, index) => {
      const counts = other.#topKCounts[index]!;
      total.hits += counts.hits;
      for (let classIndex = 0; classIndex < this.numClasses; classIndex += 1) {
        total.rescuedByTrueClass[classIndex]! += counts.rescuedByTrueClass[classIndex]!;
        total.rescuedByArgmaxClass[classIndex]! += counts.rescuedByArgmaxClass[classIndex]!;
      }
    });
    this.#numSamples += other.#numSamples;
    this.#mode = other.#mode;
    return this;
  }

  #checkNotEmpty(fn: string): void {
    if (this.#numSamples === 0) {
      throw new RangeError(`${fn}: no samples have been added; call update() with at least one non-empty batch first`);
    }
  }

  /**
   * Computes every metric from the counts so far. Values equal those of the one-shot
   * functions (`accuracyScore`, `f1Score`, `topKAccuracyScore`, ...) on all batches together.
   *
   * @throws RangeError when no samples have been added.
   */
  compute(): MetricsSummary {
    this.#checkNotEmpty('MetricsAccumulator.compute');
    const zeroDivision = this.#zeroDivision;
    const totals = totalsOf(this.#confusion, this.numClasses);
    const perClass = perClassScores(totals, 1, zeroDivision);
    let correct = 0;
    for (const count of totals.truePositives) correct += count;
    const topK =
      this.#mode === 'scores'
        ? this.#topKCounts.map((counts): TopKMetrics => {
            const kTotals = topKTotals(totals, counts);
            return {
              k: counts.k,
              accuracy: counts.hits / this.#numSamples,
              ...averagedScores(
                (average) => scoresFromTotals(kTotals, 1, average, zeroDivision) as PrecisionRecallFscore<number>,
              ),
            };
          })
        : [];
    return {
      numSamples: this.#numSamples,
      numClasses: this.numClasses,
      labels: this.labels,
      accuracy: correct / this.#numSamples,
      balancedAccuracy: balancedAccuracyFromTotals(totals, false),
      ...averagedScores(
        (average) => scoresFromTotals(totals, 1, average, zeroDivision) as PrecisionRecallFscore<number>,
      ),
      confusionMatrix: confusionMatrixFromCounts(this.#confusion, this.numClasses, this.labels, undefined),
      perClass: {
        precision: perClass.precision,
        recall: perClass.recall,
        f1: perClass.fscore,
        support: perClass.support,
      },
      topK,
      topKAccuracy: Object.fromEntries(topK.map((metrics) => [metrics.k, metrics.accuracy])),
    };
  }

  /**
   * Classification report of the samples so far (see `classificationReport`).
   * @param options `digits` (default 2).
   */
  report(options: { digits?: number } = {}): ClassificationReport {
    options = readOptions<{ digits?: number }>('MetricsAccumulator.report', options, ['digits']);
    this.#checkNotEmpty('MetricsAccumulator.report');
    return new ClassificationReport(
      confusionMatrixFromCounts(this.#confusion, this.numClasses, this.labels, undefined),
      {
        digits: options?.digits,
        zeroDivision: this.#zeroDivision,
      },
    );
  }

  /** Forgets all samples (e.g. at the start of an epoch). */
  reset(): this {
    this.#confusion.fill(0);
    this.#topKCounts = this.topK.map((k) => emptyTopKCounts(k, this.numClasses));
    this.#numSamples = 0;
    this.#mode = null;
    return this;
  }
}
