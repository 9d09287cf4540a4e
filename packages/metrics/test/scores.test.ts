import { describe, expect, it } from 'vitest';

import {
  accuracyScore,
  balancedAccuracyScore,
  f1Score,
  fbetaScore,
  formatFixed,
  precisionRecallFscoreSupport,
  precisionScore,
  recallScore,
} from '@art/metrics';

// Expected values are scikit-learn's own documentation examples (1.3+) unless noted.
const Y_TRUE = [0, 1, 2, 0, 1, 2];
const Y_PRED = [0, 2, 1, 0, 0, 1];

describe('precision, recall, F', () => {
  it('matches the f1_score documentation example for every average', () => {
    expect(f1Score(Y_TRUE, Y_PRED, { average: 'macro' })).toBeCloseTo(0.26666666666666666, 15);
    expect(f1Score(Y_TRUE, Y_PRED, { average: 'micro' })).toBeCloseTo(0.3333333333333333, 15);
    expect(f1Score(Y_TRUE, Y_PRED, { average: 'weighted' })).toBeCloseTo(0.26666666666666666, 15);
    expect(f1Score(Y_TRUE, Y_PRED, { average: 'none' })).toEqual([0.8, 0, 0]);
  });

  it('defaults to the macro average', () => {
    expect(f1Score(Y_TRUE, Y_PRED)).toBe(f1Score(Y_TRUE, Y_PRED, { average: 'macro' }));
    expect(precisionScore(Y_TRUE, Y_PRED)).toBeCloseTo(0.2222222222222222, 15);
    expect(recallScore(Y_TRUE, Y_PRED)).toBeCloseTo(0.3333333333333333, 15);
  });

  it('matches the fbeta_score documentation example (beta = 0.5)', () => {
    expect(fbetaScore(Y_TRUE, Y_PRED, { beta: 0.5, average: 'macro' })).toBeCloseTo(0.23809523809523805, 15);
    expect(fbetaScore(Y_TRUE, Y_PRED, { beta: 0.5, average: 'micro' })).toBeCloseTo(0.3333333333333333, 15);
    expect(fbetaScore(Y_TRUE, Y_PRED, { beta: 0.5, average: 'weighted' })).toBeCloseTo(0.23809523809523805, 15);
    const perClass = fbetaScore(Y_TRUE, Y_PRED, { beta: 0.5, average: 'none' });
    expect(perClass[0]).toBeCloseTo(0.71428571, 8);
    expect(perClass.slice(1)).toEqual([0, 0]);
  });

  it('gives precision at beta = 0 and recall at beta = Infinity', () => {
    const yTrue = [0, 0, 1, 1, 2];
    const yPred = [0, 1, 1, 1, 0];
    const { precision, recall } = precisionRecallFscoreSupport(yTrue, yPred);
    expect(fbetaScore(yTrue, yPred, { beta: 0, average: 'none' })).toEqual(precision);
    expect(fbetaScore(yTrue, yPred, { beta: Infinity, average: 'none' })).toEqual(recall);
  });

  it('returns per-class arrays with support by default, numbers with the total when averaged', () => {
    const perClass = precisionRecallFscoreSupport([0, 1, 2, 2], [0, 2, 2, 1]);
    expect(perClass).toEqual({ precision: [1, 0, 0.5], recall: [1, 0, 0.5], fscore: [1, 0, 0.5], support: [1, 1, 2] });
    const averaged = precisionRecallFscoreSupport([0, 1, 2, 2], [0, 2, 2, 1], { average: 'weighted' });
    expect(averaged).toEqual({ precision: 0.5, recall: 0.5, fscore: 0.5, support: 4 });
  });

  it('applies zeroDivision 0, 1 and NaN like the precision_score documentation', () => {
    const yPred = [0, 0, 0, 0, 0, 0];
    expect(precisionScore(Y_TRUE, yPred, { average: 'none' })).toEqual([1 / 3, 0, 0]);
    expect(precisionScore(Y_TRUE, yPred, { average: 'none', zeroDivision: 1 })).toEqual([1 / 3, 1, 1]);
    expect(precisionScore(Y_TRUE, yPred, { average: 'none', zeroDivision: Number.NaN })).toEqual([
      1 / 3,
      Number.NaN,
      Number.NaN,
    ]);
    // NaN entries are left out of the macro and weighted averages.
    expect(precisionScore(Y_TRUE, yPred, { average: 'macro', zeroDivision: Number.NaN })).toBeCloseTo(1 / 3, 15);
    expect(precisionScore(Y_TRUE, yPred, { average: 'weighted', zeroDivision: Number.NaN })).toBeCloseTo(1 / 3, 15);
    expect(precisionScore(Y_TRUE, yPred, { average: 'macro', zeroDivision: 1 })).toBeCloseTo(7 / 9, 15);
  });

  it('includes classes absent from both arrays in the macro average with the zeroDivision value', () => {
    // Class 2 never occurs: sklearn with labels=range(3) averages precision [1, 1, z].
    expect(precisionScore([0, 1], [0, 1], { numClasses: 3 })).toBeCloseTo(2 / 3, 15);
    expect(precisionScore([0, 1], [0, 1], { numClasses: 3, zeroDivision: 1 })).toBe(1);
    expect(f1Score([0, 1], [0, 1], { numClasses: 3, average: 'none', zeroDivision: 1 })).toEqual([1, 1, 1]);
    // F is 0/0 only when the class is neither true nor predicted.
    expect(f1Score([0, 0], [1, 1], { average: 'none', zeroDivision: Number.NaN })).toEqual([0, 0]);
    expect(f1Score([0], [0], { numClasses: 2, average: 'none', zeroDivision: Number.NaN })).toEqual([1, Number.NaN]);
  });

  it('accepts string labels, typed arrays, and string names for class indices', () => {
    const labels = ['ant', 'bird', 'cat'];
    const yTrue = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'];
    const yPred = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];
    const indexTrue = Int32Array.from(yTrue, (label) => labels.indexOf(label));
    const indexPred = Uint8Array.from(yPred, (label) => labels.indexOf(label));
    expect(f1Score(yTrue, yPred, { labels, average: 'none' })).toEqual(
      f1Score(indexTrue, indexPred, { average: 'none' }),
    );
    expect(f1Score(indexTrue, indexPred, { labels })).toBe(f1Score(indexTrue, indexPred));
    // Mixing strings and numbers is an error, as scikit-learn's "Mix of label input types".
    expect(() => f1Score(yTrue, indexPred, { labels })).toThrow(TypeError);
  });

  // Before 2026-12 the classes were 0..max (support [1, 0, 0, 0, 1]); scikit-learn takes the labels present.
  it('takes the labels present in yTrue and yPred, or every index below numClasses', () => {
    expect(precisionRecallFscoreSupport([0, 4], [0, 4]).support).toEqual([1, 1]);
    expect(precisionRecallFscoreSupport([0, 4], [0, 4], { numClasses: 5, zeroDivision: 0 }).support).toEqual([
      1, 0, 0, 0, 1,
    ]);
    // The example: classes 1, 2, 3, recalls 0.5, 1, 1 (0..3 would add a 0/0 class 0).
    expect(recallScore([1, 3, 3, 2], [1, 1, 3, 2])).toBe(2.5 / 3);
  });
});

describe('accuracy and balanced accuracy', () => {
  it('matches accuracy_score', () => {
    expect(accuracyScore([0, 1, 2, 3], [0, 2, 1, 3])).toBe(0.5);
    expect(accuracyScore([0, 1, 2, 3], [0, 2, 1, 3], { normalize: false })).toBe(2);
  });

  it('matches the balanced_accuracy_score documentation example', () => {
    expect(balancedAccuracyScore([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1])).toBe(0.625);
  });

  it('ignores classes that only occur in yPred, and supports adjusted', () => {
    // sklearn: per-class recall [1, 0.5]; class 2 (predicted only) has no recall.
    expect(balancedAccuracyScore([0, 1, 1], [0, 1, 2], { numClasses: 4 })).toBe(0.75);
    expect(balancedAccuracyScore([0, 1, 1], [0, 1, 2], { adjusted: true })).toBe(0.5);
  });
});

describe('formatFixed', () => {
  it('rounds exact ties half to even like Python', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(0.665, 2)).toBe('0.67'); // 0.665 is stored above the tie
    expect(formatFixed(1 / 3, 4)).toBe('0.3333');
  });

  it('prints nan and inf like Python', () => {
    expect(formatFixed(Number.NaN, 2)).toBe('nan');
    expect(formatFixed(Infinity, 2)).toBe('inf');
    expect(formatFixed(-Infinity, 2)).toBe('-inf');
    expect(formatFixed(-0.125, 2)).toBe('-0.12');
  });
});
