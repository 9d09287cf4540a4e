import { describe, expect, it } from 'vitest';

import {
  MetricsAccumulator,
  accuracyScore,
  balancedAccuracyScore,
  classificationReport,
  confusionMatrix,
  f1Score,
  precisionRecallFscoreSupport,
  topKAccuracyScore,
  topKPrecisionRecallFscore,
} from '@art/metrics';

const Y_TRUE = [0, 1, 2, 2, 1, 0, 3];
const SCORES = [
  [0.5, 0.2, 0.2, 0.1],
  [0.3, 0.4, 0.2, 0.1],
  [0.2, 0.4, 0.3, 0.1],
  [0.7, 0.2, 0.1, 0.0],
  [0.1, 0.1, 0.1, 0.7],
  [0.2, 0.3, 0.4, 0.1],
  [0.1, 0.2, 0.3, 0.4],
];
const ARGMAX = [0, 1, 1, 0, 3, 2, 3];

describe('MetricsAccumulator', () => {
  it('equals the one-shot functions on scores split into batches (nested and flat)', () => {
    const metrics = new MetricsAccumulator({ numClasses: 4 });
    metrics.update(Y_TRUE.slice(0, 3), SCORES.slice(0, 3));
    metrics.update(Y_TRUE.slice(3), new Float32Array(SCORES.slice(3).flat()));
    const summary = metrics.compute();
    expect(summary.numSamples).toBe(7);
    expect(summary.accuracy).toBe(accuracyScore(Y_TRUE, ARGMAX));
    expect(summary.balancedAccuracy).toBe(balancedAccuracyScore(Y_TRUE, ARGMAX));
    expect(summary.macroF1).toBe(f1Score(Y_TRUE, ARGMAX, { average: 'macro' }));
    expect(summary.weightedF1).toBe(f1Score(Y_TRUE, ARGMAX, { average: 'weighted' }));
    expect(summary.microF1).toBe(summary.accuracy);
    expect(summary.confusionMatrix).toEqual(confusionMatrix(Y_TRUE, ARGMAX));
    const perClass = precisionRecallFscoreSupport(Y_TRUE, ARGMAX);
    expect(summary.perClass).toEqual({
      precision: perClass.precision,
      recall: perClass.recall,
      f1: perClass.fscore,
      support: perClass.support,
    });
    expect(summary.topK.map((metrics) => metrics.k)).toEqual([1, 2]);
    // Float32 rounding of the second batch does not change any ranking here.
    expect(summary.topKAccuracy).toEqual({
      1: topKAccuracyScore(Y_TRUE, SCORES, { k: 1 }),
      2: topKAccuracyScore(Y_TRUE, SCORES, { k: 2 }),
    });
    const top2 = topKPrecisionRecallFscore(Y_TRUE, SCORES, { k: 2 });
    expect(summary.topK[1]!.macroF1).toBe(top2.fscore);
    expect(summary.topK[1]!.macroPrecision).toBe(top2.precision);
    expect(summary.topK[1]!.accuracy).toBe(top2.accuracy);
  });

  it('accepts predictions, string labels and typed arrays, and omits top-k without scores', () => {
    const labels = ['ant', 'bird', 'cat'];
    const metrics = new MetricsAccumulator({ labels });
    metrics.update(['ant', 'cat'], ['ant', 'bird']);
    metrics.update(Int32Array.from([2, 1]), new Float32Array([2, 1])); // float array of batch length: predictions
    const summary = metrics.compute();
    expect(summary.labels).toEqual(labels);
    expect(summary.confusionMatrix.labels).toEqual(labels);
    expect(summary.accuracy).toBe(0.75);
    expect(summary.topK).toEqual([]);
    expect(summary.topKAccuracy).toEqual({});
    expect(metrics.report().toText()).toBe(
      classificationReport(['ant', 'cat', 'cat', 'bird'], ['ant', 'bird', 'cat', 'bird'], { labels }).toText(),
    );
  });

  it('resets, ignores empty batches and tracks the sample count', () => {
    const metrics = new MetricsAccumulator({ numClasses: 4, topK: [3] });
    metrics.update([], []);
    expect(metrics.numSamples).toBe(0);
    metrics.update(Y_TRUE, SCORES);
    expect(metrics.numSamples).toBe(7);
    expect(metrics.compute().topK.map((metrics) => metrics.k)).toEqual([3]);
    metrics.reset();
    expect(metrics.numSamples).toBe(0);
    expect(() => metrics.compute()).toThrow(RangeError);
    metrics.update([0], [0]); // after reset, predictions are allowed again
    expect(metrics.compute().accuracy).toBe(1);
  });

  it('defaults topK to the values of 1, 2, 5 that fit numClasses', () => {
    expect(new MetricsAccumulator({ numClasses: 2 }).topK).toEqual([1, 2]);
    expect(new MetricsAccumulator({ numClasses: 50 }).topK).toEqual([1, 2, 5]);
  });

  it('merges accumulators from several workers', () => {
    const first = new MetricsAccumulator({ numClasses: 4 }).update(Y_TRUE.slice(0, 4), SCORES.slice(0, 4));
    const second = new MetricsAccumulator({ numClasses: 4 }).update(Y_TRUE.slice(4), SCORES.slice(4));
    const whole = new MetricsAccumulator({ numClasses: 4 }).update(Y_TRUE, SCORES);
    expect(first.merge(second).compute()).toEqual(whole.compute());
    expect(() => first.merge(new MetricsAccumulator({ numClasses: 3 }))).toThrow(/other has numClasses = 3/);
    expect(() => first.merge({} as MetricsAccumulator)).toThrow(TypeError);
  });

  it('refuses to mix prediction and score batches', () => {
    const metrics = new MetricsAccumulator({ numClasses: 4 }).update(Y_TRUE, SCORES);
    expect(() => metrics.update([0], [0])).toThrow(/this batch has predictions but earlier batches had scores/);
  });

  it('leaves its counts untouched when a batch is rejected', () => {
    const metrics = new MetricsAccumulator({ numClasses: 4 }).update(Y_TRUE, SCORES);
    const before = metrics.compute();
    expect(() =>
      metrics.update(
        [0, 1],
        [
          [0.1, 0.2, 0.3, 0.4],
          [0.1, Number.NaN, 0.3, 0.4],
        ],
      ),
    ).toThrow('MetricsAccumulator.updateScores: scores[1][1] = NaN; scores must be numbers');
    expect(() => metrics.update([0, 9], SCORES.slice(0, 2))).toThrow('yTrue[1] = 9 is out of range [0, 4)');
    expect(metrics.compute()).toEqual(before);
  });
});
