/**
 * Exact integer counts every metric derives from: the confusion matrix and, per k, the
 * top-k corrections. Both the one-shot functions and `MetricsAccumulator` fill these, so the
 * two produce bit-identical results.
 */

import type { ScoreRows } from './validate.js';

/** Adds samples to a row-major `numClasses x numClasses` count matrix (rows true, columns predicted). */
export function addToConfusion(
  confusion: Float64Array,
  numClasses: number,
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>
): void {
  for (let sample = 0; sample < yTrue.length; sample += 1) {
    confusion[yTrue[sample]! * numClasses + yPred[sample]!]! += 1;
  }
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
  /** Samples whose true class is among their k highest scores. */
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
 * and the top-k counts. Ties are broken toward the lower class index, like `numpy.argmax`, so
 * the top-1 hit rate equals the accuracy of the argmax predictions.
 *
 * @throws RangeError naming the entry when a score is NaN.
 */
export function addScores(
  fn: string,
  rows: ScoreRows,
  yTrue: ArrayLike<number>,
  confusion: Float64Array | null,
  topK: readonly TopKCounts[]
): Int32Array {
  const { numClasses } = rows;
  const argmax = new Int32Array(rows.numSamples);
  for (let sample = 0; sample < rows.numSamples; sample += 1) {
    const row = rows.row(sample);
    const trueClass = yTrue[sample]!;
    const trueScore = row[trueClass]!;
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    let rank = 0;
    for (let classIndex = 0; classIndex < numClasses; classIndex += 1) {
      const score = row[classIndex]!;
      if (Number.isNaN(score)) {
        throw new RangeError(`${fn}: ${rows.entryName(sample, classIndex)} = NaN; scores must be numbers`);
      }
      // `classIndex === 0` keeps class 0 as the argmax of an all -Infinity row.
      if (score > bestScore || classIndex === 0) {
        best = classIndex;
        bestScore = score;
      }
      if (score > trueScore || (score === trueScore && classIndex < trueClass)) rank += 1;
    }
    argmax[sample] = best;
    if (confusion !== null) confusion[trueClass * numClasses + best]! += 1;
    for (const counts of topK) {
      if (rank < counts.k) {
        counts.hits += 1;
        if (best !== trueClass) {
          counts.rescuedByTrueClass[trueClass]! += 1;
          counts.rescuedByArgmaxClass[best]! += 1;
        }
      }
    }
  }
  return argmax;
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
