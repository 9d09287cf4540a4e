/**
 * Exact integer counts every metric derives from: the confusion matrix and, per k, the
 * top-k corrections. Both the one-shot functions and `MetricsAccumulator` fill these, so the
 * two produce bit-identical results.
 */

import { argmax } from './argmax.js';
import type { ResolvedTargets } from './targets.js';
import type { ScoreRows } from './validate.js';

/**
 * Adds samples to a row-major `numClasses x numClasses` count matrix (rows true, columns
 * predicted), each with its weight (1 when `weights` is null).
 */
export function addToConfusion(
  confusion: Float64Array,
  numClasses: number,
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  weights: ArrayLike<number> | null = null,
): void {
  for (let sample = 0; sample < yTrue.length; sample += 1) {
    confusion[yTrue[sample]! * numClasses + yPred[sample]!]! += weights === null ? 1 : weights[sample]!;
  }
}

/** Weighted confusion counts of single-label targets over their whole counting space. */
export function confusionOf(targets: ResolvedTargets): Float64Array {
  const confusion = new Float64Array(targets.numAll * targets.numAll);
  addToConfusion(confusion, targets.numAll, targets.yTrue, targets.yPred, targets.weights);
  return confusion;
}

/**
 * Per listed class: weighted true positives, true and predicted totals. Single-label data
 * counts over every class present, so a sample of an unlisted class still counts as a false
 * negative or positive of a listed one (scikit-learn's `multilabel_confusion_matrix(labels=)`);
 * multilabel data counts each listed indicator column.
 */
export function listedTotals(targets: ResolvedTargets): ClassTotals {
  const { listed, numAll } = targets;
  const truePositives = new Float64Array(listed.length);
  const trueTotals = new Float64Array(listed.length);
  const predictedTotals = new Float64Array(listed.length);
  if (targets.kind === 'multilabel') {
    for (let sample = 0; sample < targets.numSamples; sample += 1) {
      const weight = targets.weights === null ? 1 : targets.weights[sample]!;
      listed.forEach((column, index) => {
        const isTrue = targets.trueRows[sample * numAll + column]!;
        const isPred = targets.predRows[sample * numAll + column]!;
        if (isTrue) trueTotals[index]! += weight;
        if (isPred) predictedTotals[index]! += weight;
        if (isTrue && isPred) truePositives[index]! += weight;
      });
    }
    return { truePositives, trueTotals, predictedTotals };
  }
  const all = totalsOf(confusionOf(targets), numAll);
  listed.forEach((classIndex, index) => {
    truePositives[index] = all.truePositives[classIndex]!;
    trueTotals[index] = all.trueTotals[classIndex]!;
    predictedTotals[index] = all.predictedTotals[classIndex]!;
  });
  return { truePositives, trueTotals, predictedTotals };
}

/**
 * Per sample of multilabel targets: true positives, true and predicted indicators over the
 * listed columns (unweighted; scikit-learn's `samplewise=True`).
 */
export function sampleTotals(targets: ResolvedTargets): ClassTotals {
  const { listed, numAll, numSamples } = targets;
  const truePositives = new Float64Array(numSamples);
  const trueTotals = new Float64Array(numSamples);
  const predictedTotals = new Float64Array(numSamples);
  for (let sample = 0; sample < numSamples; sample += 1) {
    for (const column of listed) {
      const isTrue = targets.trueRows[sample * numAll + column]!;
      const isPred = targets.predRows[sample * numAll + column]!;
      trueTotals[sample]! += isTrue;
      predictedTotals[sample]! += isPred;
      truePositives[sample]! += isTrue & isPred;
    }
  }
  return { truePositives, trueTotals, predictedTotals };
}

/** Per-class totals of a confusion matrix. */
export interface ClassTotals {
  /** Diagonal: samples of class c predicted as c. */
  truePositives: Float64Array;
  /** Row sums: samples whose true class is c (the support). */
  trueTotals: Float64Array;
  /** Column sums: samples predicted as c. */
  predictedTotals: Float64Array;
}

/** Diagonal, row sums and column sums of a count matrix. */
export function totalsOf(confusion: Float64Array, numClasses: number): ClassTotals {
  const truePositives = new Float64Array(numClasses);
  const trueTotals = new Float64Array(numClasses);
  const predictedTotals = new Float64Array(numClasses);
  for (let row = 0; row < numClasses; row += 1) {
    truePositives[row] = confusion[row * numClasses + row]!;
    for (let column = 0; column < numClasses; column += 1) {
      const count = confusion[row * numClasses + column]!;
      trueTotals[row]! += count;
      predictedTotals[column]! += count;
    }
  }
  return { truePositives, trueTotals, predictedTotals };
}

/**
 * Top-k counts for one k, relative to the top-1 (argmax) confusion matrix. Under the top-k
 * convention a sample whose true class is among its k best scores counts as predicted
 * correctly; otherwise as predicted as its top-1 class. So the top-k matrix equals the argmax
 * matrix with each "top-k hit but top-1 miss" moved from (true, argmax) to (true, true). Two
 * vectors record those moves, so no second matrix is kept.
 */
export interface TopKCounts {
  k: number;
  /** Samples (weights) whose true class is among their k highest scores. */
  hits: number;
  /** Per true class: samples that are top-k hits but top-1 misses. */
  rescuedByTrueClass: Float64Array;
  /** Per argmax class: the same samples, counted where top-1 put them. */
  rescuedByArgmaxClass: Float64Array;
}

/** Fresh zeroed top-k counts. */
export function emptyTopKCounts(k: number, numClasses: number): TopKCounts {
  return {
    k,
    hits: 0,
    rescuedByTrueClass: new Float64Array(numClasses),
    rescuedByArgmaxClass: new Float64Array(numClasses),
  };
}

/**
 * Ranks every sample's true class in its score row, and adds to the argmax confusion matrix
 * and the top-k counts (each sample with its weight, 1 when `weights` is null). Ranking ties
 * go to the higher class index, as scikit-learn's `top_k_accuracy_score` (a stable ascending
 * sort, reversed); the argmax breaks ties to the lower index, like `numpy.argmax`.
 *
 * @throws RangeError naming the entry when a score is NaN.
 */
export function addScores(
  fn: string,
  rows: ScoreRows,
  yTrue: ArrayLike<number>,
  confusion: Float64Array | null,
  topK: readonly TopKCounts[],
  weights: ArrayLike<number> | null = null,
): Int32Array {
  const { numClasses } = rows;
  const top1 = new Int32Array(rows.numSamples);
  for (let sample = 0; sample < rows.numSamples; sample += 1) {
    const row = rows.row(sample);
    const trueClass = yTrue[sample]!;
    const trueScore = row[trueClass]!;
    let rank = 0;
    for (let classIndex = 0; classIndex < numClasses; classIndex += 1) {
      const score = row[classIndex]!;
      if (Number.isNaN(score)) {
        throw new RangeError(`${fn}: ${rows.entryName(sample, classIndex)} = NaN; scores must be numbers`);
      }
      if (score > trueScore || (score === trueScore && classIndex > trueClass)) rank += 1;
    }
    const best = argmax(row);
    top1[sample] = best;
    const weight = weights === null ? 1 : weights[sample]!;
    if (confusion !== null) confusion[trueClass * numClasses + best]! += weight;
    for (const counts of topK) {
      if (rank < counts.k) {
        counts.hits += weight;
        if (best !== trueClass) {
          counts.rescuedByTrueClass[trueClass]! += weight;
          counts.rescuedByArgmaxClass[best]! += weight;
        }
      }
    }
  }
  return top1;
}

/** Class totals of the top-k confusion matrix, from the argmax totals and the top-k counts. */
export function topKTotals(argmaxTotals: ClassTotals, counts: TopKCounts): ClassTotals {
  const numClasses = argmaxTotals.truePositives.length;
  const truePositives = new Float64Array(numClasses);
  const predictedTotals = new Float64Array(numClasses);
  for (let classIndex = 0; classIndex < numClasses; classIndex += 1) {
    const rescued = counts.rescuedByTrueClass[classIndex]!;
    truePositives[classIndex] = argmaxTotals.truePositives[classIndex]! + rescued;
    predictedTotals[classIndex] =
      argmaxTotals.predictedTotals[classIndex]! + rescued - counts.rescuedByArgmaxClass[classIndex]!;
  }
  return { truePositives, trueTotals: argmaxTotals.trueTotals.slice(), predictedTotals };
}
