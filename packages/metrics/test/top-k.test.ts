import { describe, expect, it } from 'vitest';

import {
  accuracyScore,
  argmaxPredictions,
  f1Score,
  precisionRecallFscoreSupport,
  topKAccuracyScore,
  topKPrecisionRecallFscore,
  topKPredictions,
} from '@art/metrics';

// top_k_accuracy_score documentation example: expected 0.75 at k = 2, 3 correct samples.
const Y_TRUE = [0, 1, 2, 2];
const SCORES = [
  [0.5, 0.2, 0.2],
  [0.3, 0.4, 0.2],
  [0.2, 0.4, 0.3],
  [0.7, 0.2, 0.1],
];

describe('topKAccuracyScore', () => {
  it('matches the scikit-learn documentation example', () => {
    expect(topKAccuracyScore(Y_TRUE, SCORES, { k: 2 })).toBe(0.75);
    expect(topKAccuracyScore(Y_TRUE, SCORES, { k: 2, normalize: false })).toBe(3);
    expect(topKAccuracyScore(Y_TRUE, SCORES)).toBe(0.75); // k defaults to 2
  });

  it('equals argmax accuracy at k = 1 and is 1 at k = numClasses', () => {
    expect(topKAccuracyScore(Y_TRUE, SCORES, { k: 1 })).toBe(accuracyScore(Y_TRUE, argmaxPredictions(SCORES)));
    expect(topKAccuracyScore(Y_TRUE, SCORES, { k: 3 })).toBe(1);
  });

  it('reads flat Float32Array / Float64Array scores with numClasses', () => {
    const flat = new Float32Array(SCORES.flat());
    expect(topKAccuracyScore(Y_TRUE, flat, { k: 2, numClasses: 3 })).toBe(0.75);
    expect(topKAccuracyScore(Y_TRUE, new Float64Array(SCORES.flat()), { k: 1, labels: ['a', 'b', 'c'] })).toBe(0.5);
  });

  // Before 2026-12 ties ranked the lower index first (numpy.argmax); scikit-learn's top-k ranks the higher.
  it('ranks tied scores toward the higher class index, like scikit-learn', () => {
    const tied = [[1, 1, 1]];
    expect(argmaxPredictions(tied)).toEqual(Int32Array.from([0])); // the argmax stays numpy's
    expect(topKAccuracyScore([2], tied, { k: 1 })).toBe(1);
    expect(topKAccuracyScore([0], tied, { k: 2 })).toBe(0);
    expect(topKAccuracyScore([1], tied, { k: 2 })).toBe(1);
    // test_top_k_accuracy_score_ties
    const scores = [
      [5, 5, 7, 0],
      [1, 5, 5, 5],
      [0, 0, 3, 3],
      [1, 1, 1, 1],
    ];
    expect([1, 2, 3].map((k) => topKAccuracyScore([0, 1, 2, 3], scores, { k }))).toEqual([0.25, 0.5, 1]);
  });

  it('accepts infinite scores', () => {
    expect(
      topKAccuracyScore(
        [1, 0],
        [
          [-Infinity, -Infinity],
          [Infinity, 0],
        ],
        { k: 1 },
      ),
    ).toBe(1); // the tied -Infinity row ranks class 1 first
  });
});

describe('topKPrecisionRecallFscore (pyramid paper Table 1 convention)', () => {
  it('counts a top-k hit as correct and a miss as its top-1 class', () => {
    // Sample 2 (true 2, argmax 1) is a top-2 hit; sample 3 (true 2, argmax 0) ranks class 2 last.
    expect(Array.from(topKPredictions(Y_TRUE, SCORES, { k: 2 }))).toEqual([0, 1, 2, 0]);
    const top2 = topKPrecisionRecallFscore(Y_TRUE, SCORES, { k: 2, average: 'none' });
    // Effective predictions [0, 1, 2, 0] vs truth [0, 1, 2, 2]:
    expect(top2.precision).toEqual([0.5, 1, 1]);
    expect(top2.recall).toEqual([1, 1, 0.5]);
    expect(top2.fscore).toEqual([2 / 3, 1, 2 / 3]);
    expect(top2.support).toEqual([1, 1, 2]);
    expect(top2.accuracy).toBe(0.75);
    expect(top2.k).toBe(2);
  });

  it('equals the label-based scores of the effective predictions for every average', () => {
    const predictions = topKPredictions(Y_TRUE, SCORES, { k: 2 });
    for (const average of ['macro', 'micro', 'weighted'] as const) {
      const topK = topKPrecisionRecallFscore(Y_TRUE, SCORES, { k: 2, average, beta: 2 });
      const direct = precisionRecallFscoreSupport(Y_TRUE, predictions, { average, beta: 2 });
      expect({ precision: topK.precision, recall: topK.recall, fscore: topK.fscore }).toEqual({
        precision: direct.precision,
        recall: direct.recall,
        fscore: direct.fscore,
      });
    }
  });

  it('reduces to argmax scores at k = 1, and micro-F equals top-k accuracy', () => {
    const top1 = topKPrecisionRecallFscore(Y_TRUE, SCORES, { k: 1 });
    expect(top1.fscore).toBe(f1Score(Y_TRUE, argmaxPredictions(SCORES), { numClasses: 3 }));
    const micro = topKPrecisionRecallFscore(Y_TRUE, SCORES, { k: 2, average: 'micro' });
    expect(micro.fscore).toBe(micro.accuracy);
  });

  it('is perfect at k = numClasses', () => {
    const all = topKPrecisionRecallFscore(Y_TRUE, SCORES, { k: 3 });
    expect([all.precision, all.recall, all.fscore, all.accuracy]).toEqual([1, 1, 1, 1]);
  });
});

describe('argmaxPredictions', () => {
  it('reads rows and flat arrays', () => {
    expect(argmaxPredictions(SCORES)).toEqual(Int32Array.from([0, 1, 1, 0]));
    expect(argmaxPredictions(new Float32Array(SCORES.flat()), { numClasses: 3 })).toEqual(
      Int32Array.from([0, 1, 1, 0]),
    );
  });
});
