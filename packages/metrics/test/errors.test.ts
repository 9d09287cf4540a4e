import { describe, expect, it } from 'vitest';

import {
  ClassificationReport,
  MetricsAccumulator,
  accuracyScore,
  argmaxPredictions,
  classificationReport,
  confusionMatrix,
  f1Score,
  fbetaScore,
  precisionRecallFscoreSupport,
  topKAccuracyScore,
  topKPrecisionRecallFscore,
  topKPredictions,
  type Average,
} from '@art/metrics';

type Case = [name: string, run: () => unknown, type: typeof TypeError | typeof RangeError, message: string];

const SCORES = [
  [0.1, 0.9, 0.0],
  [0.8, 0.1, 0.1],
];

// Every bad input names the argument and the offending value.
const CASES: Case[] = [
  [
    'length mismatch',
    () => f1Score([0, 1, 2], [0, 1]),
    RangeError,
    'f1Score: yPred has 2 samples but yTrue has 3; they must match',
  ],
  [
    'label out of range',
    () => f1Score([0, 1, 2, 3], [0, 1, 2, 7], { numClasses: 5 }),
    RangeError,
    'f1Score: yPred[3] = 7 is out of range [0, 5)',
  ],
  [
    'negative class index',
    () => accuracyScore([0, -1], [0, 0], { numClasses: 2 }),
    RangeError,
    'accuracyScore: yTrue[1] = -1 is out of range [0, 2)',
  ],
  [
    'non-integer label',
    () => accuracyScore([0, 1.5], [0, 0]),
    TypeError,
    'accuracyScore: yTrue[1] = 1.5 is not an integer label',
  ],
  [
    'NaN label',
    () => accuracyScore([0, Number.NaN], [0, 0]),
    TypeError,
    'accuracyScore: yTrue[1] = NaN is not an integer label',
  ],
  [
    // With numClasses the names list every class (without it, an unlisted label is a class left out, as scikit-learn).
    'unknown string label with numClasses',
    () => confusionMatrix(['cat', 'dgo'], ['cat', 'dog'], { labels: ['cat', 'dog'], numClasses: 2 }),
    RangeError,
    `confusionMatrix: yTrue[1] = "dgo" is not one of labels 'cat', 'dog'`,
  ],
  [
    'numbers and strings mixed',
    () => f1Score(['cat', 1], ['cat', 'cat']),
    TypeError,
    'f1Score: yTrue[1] = 1 is a number but yTrue[0] is a string; labels must be all numbers or all strings',
  ],
  [
    'unknown option',
    () => f1Score([0, 1], [0, 1], { sampleWeights: [1, 2] } as never),
    TypeError,
    `f1Score: unknown option "sampleWeights"; valid options are 'average', 'labels', 'numClasses', 'onWarning', 'posLabel', 'sampleWeight', 'zeroDivision'`,
  ],
  [
    'an option in both spellings',
    () => f1Score([0, 1], [0, 1], { sampleWeight: [1, 2], sample_weight: [1, 2] } as never),
    TypeError,
    'f1Score: option "sampleWeight" is given twice (camelCase and snake_case); pass one',
  ],
  [
    'sample weights of the wrong length',
    () => accuracyScore([0, 1], [0, 1], { sampleWeight: [1] }),
    RangeError,
    'accuracyScore: sampleWeight has 1 samples but yTrue has 2; they must match',
  ],
  [
    'binary average on multiclass data',
    () => f1Score([0, 1, 2], [0, 1, 2], { average: 'binary' }),
    RangeError,
    "f1Score: target is multiclass but average = 'binary'; choose another average, one of 'none', 'micro', 'macro', 'weighted'",
  ],
  [
    'posLabel not among the labels',
    () => f1Score(['a', 'b'], ['a', 'b'], { average: 'binary' }),
    RangeError,
    'f1Score: posLabel = 1 is not a valid label; it should be one of "a", "b"',
  ],
  [
    'samples average of single-label data',
    () => f1Score([0, 1], [0, 1], { average: 'samples' }),
    RangeError,
    "f1Score: average = 'samples' is only meaningful for multilabel input",
  ],
  [
    'multilabel rows of different widths',
    () =>
      f1Score(
        [
          [0, 1],
          [1, 0],
        ],
        [[0, 1], [1]],
      ),
    RangeError,
    'f1Score: yPred[1] has 1 columns but yPred[0] has 2',
  ],
  [
    'confusion matrix of multilabel input',
    () => confusionMatrix([[0, 1]], [[0, 1]]),
    TypeError,
    'confusionMatrix: multilabel indicator input is not supported; use multilabelConfusionMatrix',
  ],
  [
    'wrong element type',
    () => f1Score([0, null as never], [0, 0]),
    TypeError,
    'f1Score: yTrue[1] = null must be a class label (integer or string)',
  ],
  [
    'not an array',
    () => accuracyScore(5 as never, [0]),
    TypeError,
    'accuracyScore: yTrue must be an array or typed array',
  ],
  [
    'a string instead of an array',
    () => accuracyScore('01' as never, [0]),
    TypeError,
    'accuracyScore: yTrue must be an array',
  ],
  [
    'bad average',
    () => f1Score([0], [0], { average: 'weird' as Average }),
    RangeError,
    "f1Score: average = \"weird\" is not valid; expected one of 'macro', 'micro', 'weighted', 'none', 'binary', 'samples'",
  ],
  [
    'bad zeroDivision',
    () => f1Score([0], [0], { zeroDivision: 0.5 }),
    RangeError,
    "f1Score: zeroDivision = 0.5 is not valid; expected one of 'warn', 0, 1, NaN",
  ],
  [
    'negative beta',
    () => fbetaScore([0], [0], { beta: -1 }),
    RangeError,
    'fbetaScore: beta = -1 must be a non-negative number',
  ],
  ['missing beta', () => fbetaScore([0], [0], {} as never), TypeError, 'fbetaScore: options.beta is required'],
  [
    'bad numClasses',
    () => f1Score([0], [0], { numClasses: 0 }),
    RangeError,
    'f1Score: numClasses = 0 must be a positive integer',
  ],
  [
    'numClasses disagreeing with labels',
    () => f1Score([0], [0], { numClasses: 3, labels: ['a', 'b'] }),
    RangeError,
    'f1Score: numClasses = 3 does not match labels, which lists 2 classes',
  ],
  [
    'duplicate labels',
    () => f1Score([0], [0], { labels: ['a', 'a'] }),
    RangeError,
    'f1Score: labels[1] = "a" is listed twice',
  ],
  [
    'labels of mixed types',
    () => f1Score([0], [0], { labels: ['a', 1] }),
    TypeError,
    'f1Score: labels mixes numbers and strings; use one type, as in yTrue and yPred',
  ],
  [
    'bad normalize',
    () => confusionMatrix([0], [0], { normalize: 'rows' as never }),
    RangeError,
    "confusionMatrix: normalize = \"rows\" is not valid; expected one of 'true', 'pred', 'all'",
  ],
  [
    'NaN score (rows)',
    () =>
      topKAccuracyScore(
        [0, 1],
        [
          [0.1, 0.9, 0],
          [0.8, Number.NaN, 0.1],
        ],
        { k: 1 },
      ),
    RangeError,
    'topKAccuracyScore: scores[1][1] = NaN; scores must be numbers',
  ],
  [
    'NaN score (flat)',
    () => topKAccuracyScore([0, 1], new Float32Array([0.1, 0.9, 0, 0.8, Number.NaN, 0.1]), { k: 1, numClasses: 3 }),
    RangeError,
    'topKAccuracyScore: scores[4] (sample 1, class 1) = NaN; scores must be numbers',
  ],
  [
    'k larger than the number of classes (own top-k precision/recall)',
    () => topKPrecisionRecallFscore([0, 1], SCORES, { k: 5 }),
    RangeError,
    'topKPrecisionRecallFscore: k = 5 is out of range [1, 3] (numClasses = 3)',
  ],
  [
    'k = 0',
    () => topKAccuracyScore([0, 1], SCORES, { k: 0 }),
    RangeError,
    'topKAccuracyScore: k = 0 must be a positive integer',
  ],
  [
    'fractional k',
    () => topKAccuracyScore([0, 1], SCORES, { k: 1.5 }),
    TypeError,
    'topKAccuracyScore: k = 1.5 must be a positive integer',
  ],
  [
    'missing k',
    () => topKPrecisionRecallFscore([0], SCORES, {} as never),
    TypeError,
    'topKPrecisionRecallFscore: options.k is required',
  ],
  [
    'missing k (predictions)',
    () => topKPredictions([0], SCORES, {} as never),
    TypeError,
    'topKPredictions: options.k is required',
  ],
  [
    'score rows vs samples',
    () => topKAccuracyScore([0, 1, 2], SCORES, { k: 1 }),
    RangeError,
    'topKAccuracyScore: scores has 2 rows but yTrue has 3 samples',
  ],
  [
    'ragged score rows',
    () =>
      topKAccuracyScore(
        [0, 1],
        [
          [0.1, 0.9, 0],
          [0.8, 0.1],
        ],
        { k: 1 },
      ),
    RangeError,
    'topKAccuracyScore: scores[1] has 2 scores but there are 3 classes',
  ],
  [
    'flat scores of the wrong size',
    () => topKAccuracyScore([0, 1], new Float32Array(5), { k: 1, numClasses: 3 }),
    RangeError,
    'topKAccuracyScore: scores has 5 values but 2 samples x 3 classes = 6 were expected',
  ],
  [
    'flat scores without numClasses',
    () => topKAccuracyScore([0, 1], new Float32Array(6), { k: 1 }),
    TypeError,
    'topKAccuracyScore: options.numClasses (or options.labels) is required when scores is a flat Float32Array',
  ],
  [
    'flat argmax without numClasses',
    () => argmaxPredictions(new Float32Array(6)),
    TypeError,
    'argmaxPredictions: options.numClasses (or options.labels) is required when scores is a flat Float32Array',
  ],
  [
    'true label out of score range',
    () => topKAccuracyScore([0, 3], SCORES, { k: 1 }),
    RangeError,
    'topKAccuracyScore: yTrue[1] = 3 is out of range [0, 3)',
  ],
  ['empty scores', () => argmaxPredictions([]), RangeError, 'argmaxPredictions: scores is empty'],
  [
    'scores not an array',
    () => topKAccuracyScore([0], 3 as never),
    TypeError,
    'topKAccuracyScore: scores must be an array of per-sample score rows',
  ],
  [
    'bad digits',
    () => classificationReport([0], [0], { digits: -1 }),
    RangeError,
    'classificationReport: digits = -1 must be an integer in [0, 20]',
  ],
  [
    'report from a normalised matrix',
    () => new ClassificationReport(confusionMatrix([0, 1], [0, 0], { normalize: 'true' })),
    RangeError,
    "ClassificationReport: counts is normalised (normalize = 'true'); pass the raw counts",
  ],
  [
    'report from non-integer counts',
    () =>
      new ClassificationReport([
        [1, 0.5],
        [0, 1],
      ]),
    RangeError,
    'ClassificationReport: counts[0][1] = 0.5 must be a non-negative integer count',
  ],
  [
    'report labels vs counts',
    () => new ClassificationReport([[1]], { labels: ['a', 'b'] }),
    RangeError,
    'ClassificationReport: labels lists 2 classes but counts has 1',
  ],
  [
    'accumulator with an option it does not take',
    () => new MetricsAccumulator({ numClasses: 3, sampleWeight: [1] } as never),
    TypeError,
    `MetricsAccumulator: unknown option "sampleWeight"; valid options are 'labels', 'numClasses', 'topK', 'zeroDivision'`,
  ],
  [
    'top-k predictions with an option they do not take',
    () => topKPredictions([0], [[1, 0]], { k: 1, normalize: false } as never),
    TypeError,
    `topKPredictions: unknown option "normalize"; valid options are 'k', 'labels', 'numClasses'`,
  ],
  [
    'accumulator without classes',
    () => new MetricsAccumulator({}),
    TypeError,
    'MetricsAccumulator: pass options.numClasses or options.labels',
  ],
  [
    'accumulator k too large',
    () => new MetricsAccumulator({ numClasses: 3, topK: [1, 5] }),
    RangeError,
    'MetricsAccumulator: topK[1] = 5 is out of range [1, 3] (numClasses = 3)',
  ],
  [
    'accumulator label out of range',
    () => new MetricsAccumulator({ numClasses: 3 }).update([0, 3], [0, 0]),
    RangeError,
    'MetricsAccumulator.updatePredictions: yTrue[1] = 3 is out of range [0, 3)',
  ],
  [
    'accumulator length mismatch',
    () => new MetricsAccumulator({ numClasses: 3 }).update([0, 1], [0]),
    RangeError,
    'MetricsAccumulator.updatePredictions: yPred has 1 samples but yTrue has 2; they must match',
  ],
  [
    'accumulator score rows vs batch',
    () => new MetricsAccumulator({ numClasses: 3 }).update([0, 1, 2], SCORES),
    RangeError,
    'MetricsAccumulator.updateScores: scores has 2 rows but yTrue has 3 samples',
  ],
  [
    'accumulator compute before any sample',
    () => new MetricsAccumulator({ numClasses: 3 }).compute(),
    RangeError,
    'MetricsAccumulator.compute: no samples have been added',
  ],
  [
    'accumulator report before any sample',
    () => new MetricsAccumulator({ numClasses: 3 }).report(),
    RangeError,
    'MetricsAccumulator.report: no samples have been added',
  ],
  [
    'averaged scores with bad options object',
    () => precisionRecallFscoreSupport([0], [0], 'macro' as never),
    TypeError,
    'precisionRecallFscoreSupport: options must be an object, got "macro"',
  ],
];

describe('bad input', () => {
  it.each(CASES)('%s', (_name, run, type, message) => {
    let thrown: unknown;
    try {
      run();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toContain(message);
  });
});
