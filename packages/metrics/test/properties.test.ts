import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  MetricsAccumulator,
  accuracyScore,
  argmaxPredictions,
  balancedAccuracyScore,
  confusionMatrix,
  f1Score,
  precisionRecallFscoreSupport,
  topKAccuracyScore,
  topKPrecisionRecallFscore,
} from '@art/metrics';

// Fixed seed: the properties explore many inputs, yet every run of the suite is the same.
const PARAMETERS = { seed: 20261126, numRuns: 100 };

/** A labelled, scored sample set: numClasses, true labels, predictions and score rows. */
const problem = fc.integer({ min: 1, max: 12 }).chain((numClasses) =>
  fc.integer({ min: 1, max: 40 }).chain((numSamples) =>
    fc.record({
      numClasses: fc.constant(numClasses),
      yTrue: fc.array(fc.nat(numClasses - 1), { minLength: numSamples, maxLength: numSamples }),
      yPred: fc.array(fc.nat(numClasses - 1), { minLength: numSamples, maxLength: numSamples }),
      // Few distinct score values, so ties are common and tie-breaking is exercised.
      scores: fc.array(
        fc.array(
          fc.integer({ min: -3, max: 3 }).map((value) => value / 2),
          { minLength: numClasses, maxLength: numClasses },
        ),
        {
          minLength: numSamples,
          maxLength: numSamples,
        },
      ),
    }),
  ),
);

/** Sorted cut points splitting `length` samples into batches (empty batches included). */
function batchesOf(length: number, cuts: number[]): [number, number][] {
  const points = [0, ...cuts.map((cut) => cut % (length + 1)).sort((a, b) => a - b), length];
  return points.slice(1).map((end, index) => [points[index]!, end]);
}

describe('properties', () => {
  it('micro-F1 equals accuracy for single-label multiclass data', () => {
    fc.assert(
      fc.property(problem, ({ numClasses, yTrue, yPred }) => {
        // scikit-learn 1.2 computes F as 2·p·r / (p + r), which can be 1 ulp off p = r.
        expect(f1Score(yTrue, yPred, { average: 'micro', numClasses })).toBeCloseTo(
          accuracyScore(yTrue, yPred, { numClasses }),
          15,
        );
        const micro = precisionRecallFscoreSupport(yTrue, yPred, { average: 'micro', numClasses });
        expect(micro.precision).toBe(accuracyScore(yTrue, yPred));
        expect(micro.recall).toBe(accuracyScore(yTrue, yPred));
      }),
      PARAMETERS,
    );
  });

  it('permuting samples changes nothing', () => {
    fc.assert(
      fc.property(
        problem.chain((data) =>
          fc.record({
            data: fc.constant(data),
            order: fc.shuffledSubarray([...data.yTrue.keys()], { minLength: data.yTrue.length }),
          }),
        ),
        ({ data, order }) => {
          const { numClasses } = data;
          const permute = <T>(values: T[]): T[] => order.map((index) => values[index]!);
          const [yTrue, yPred, scores] = [permute(data.yTrue), permute(data.yPred), permute(data.scores)];
          for (const average of ['macro', 'micro', 'weighted', 'none'] as const) {
            expect(precisionRecallFscoreSupport(yTrue, yPred, { average, numClasses, beta: 2 })).toEqual(
              precisionRecallFscoreSupport(data.yTrue, data.yPred, { average, numClasses, beta: 2 }),
            );
          }
          expect(confusionMatrix(yTrue, yPred, { numClasses })).toEqual(
            confusionMatrix(data.yTrue, data.yPred, { numClasses }),
          );
          expect(balancedAccuracyScore(yTrue, yPred, { numClasses })).toBe(
            balancedAccuracyScore(data.yTrue, data.yPred, { numClasses }),
          );
          const k = Math.min(2, numClasses);
          expect(topKAccuracyScore(yTrue, scores, { k })).toBe(topKAccuracyScore(data.yTrue, data.scores, { k }));
          expect(topKPrecisionRecallFscore(yTrue, scores, { k, average: 'none' })).toEqual(
            topKPrecisionRecallFscore(data.yTrue, data.scores, { k, average: 'none' }),
          );
        },
      ),
      PARAMETERS,
    );
  });

  it('the streaming accumulator equals the one-shot result for any batch split', () => {
    fc.assert(
      fc.property(
        problem,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        ({ numClasses, yTrue, yPred, scores }, cuts, flat) => {
          const batches = batchesOf(yTrue.length, cuts);
          const topK = [1, 2, 5].filter((k) => k <= numClasses);

          const byPredictions = new MetricsAccumulator({ numClasses });
          for (const [start, end] of batches)
            byPredictions.update(yTrue.slice(start, end), Int32Array.from(yPred.slice(start, end)));
          const predicted = byPredictions.compute();
          expect(predicted.confusionMatrix).toEqual(confusionMatrix(yTrue, yPred, { numClasses }));
          expect(predicted.accuracy).toBe(accuracyScore(yTrue, yPred, { numClasses }));
          expect(predicted.balancedAccuracy).toBe(balancedAccuracyScore(yTrue, yPred, { numClasses }));
          expect(predicted.macroF1).toBe(f1Score(yTrue, yPred, { numClasses, average: 'macro' }));
          expect(predicted.weightedF1).toBe(f1Score(yTrue, yPred, { numClasses, average: 'weighted' }));
          expect(predicted.microF1).toBe(f1Score(yTrue, yPred, { numClasses, average: 'micro' }));

          const byScores = new MetricsAccumulator({ numClasses, topK });
          for (const [start, end] of batches) {
            const rows = scores.slice(start, end);
            byScores.update(yTrue.slice(start, end), flat && numClasses > 1 ? new Float64Array(rows.flat()) : rows);
          }
          const scored = byScores.compute();
          for (const metrics of scored.topK) {
            expect(metrics.accuracy).toBe(topKAccuracyScore(yTrue, scores, { k: metrics.k }));
            const oneShot = topKPrecisionRecallFscore(yTrue, scores, { k: metrics.k, average: 'macro' });
            expect([metrics.macroPrecision, metrics.macroRecall, metrics.macroF1]).toEqual([
              oneShot.precision,
              oneShot.recall,
              oneShot.fscore,
            ]);
            expect(metrics.weightedF1).toBe(
              topKPrecisionRecallFscore(yTrue, scores, { k: metrics.k, average: 'weighted' }).fscore,
            );
          }
          // Top-1 ranks tied scores to the higher index (scikit-learn), the argmax to the lower (numpy).
          expect(scored.accuracy).toBe(accuracyScore(yTrue, argmaxPredictions(scores), { numClasses }));
        },
      ),
      PARAMETERS,
    );
  });

  it('top-k accuracy never decreases with k, and macro averages stay in [0, 1]', () => {
    fc.assert(
      fc.property(problem, ({ numClasses, yTrue, yPred, scores }) => {
        let previous = 0;
        for (let k = 1; k <= numClasses; k += 1) {
          const accuracy = topKAccuracyScore(yTrue, scores, { k });
          expect(accuracy).toBeGreaterThanOrEqual(previous);
          previous = accuracy;
        }
        expect(previous).toBe(1);
        const { precision, recall, fscore } = precisionRecallFscoreSupport(yTrue, yPred, {
          average: 'macro',
          numClasses,
        });
        for (const value of [precision, recall, fscore]) {
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
        }
      }),
      PARAMETERS,
    );
  });
});
