// scikit-learn's options in @art/metrics: sample weights, labels, binary averaging, multilabel
// input, warnings, option spelling. Expected values from scikit-learn 1.2.1 (python3-sklearn).
import { describe, expect, it } from 'vitest';

import {
  accuracyScore,
  balancedAccuracyScore,
  classificationReport,
  confusionMatrix,
  f1Score,
  multilabelConfusionMatrix,
  precisionRecallFscoreSupport,
  precisionScore,
  topKAccuracyScore,
  topKPrecisionRecallFscore,
  type MetricWarning,
} from '@art/metrics';

function collect(): { warnings: MetricWarning[]; onWarning: (warning: MetricWarning) => void } {
  const warnings: MetricWarning[] = [];
  return { warnings, onWarning: (warning) => warnings.push(warning) };
}

describe('sampleWeight', () => {
  it('weights every count: F1, confusion matrix, accuracy, top-k, report', () => {
    // f1_score([0, 1, 1], [0, 1, 0], average='macro', sample_weight=[1, 2, 3])
    expect(f1Score([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3] })).toBeCloseTo(0.48571428571428577, 15);
    expect(confusionMatrix([0, 1, 1], [0, 1, 0], { sampleWeight: [0.5, 2, 1] }).toArray()).toEqual([
      [0.5, 0],
      [1, 2],
    ]);
    expect(accuracyScore([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3] })).toBe(0.5);
    expect(accuracyScore([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3], normalize: false })).toBe(3);
    // top_k_accuracy_score([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6], k=1, sample_weight=[1, 2, 3, 4])
    expect(topKAccuracyScore([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6], { k: 1, sampleWeight: [1, 2, 3, 4] })).toBe(0.3);
    const report = classificationReport([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3.5] });
    expect(report.toText().split('\n')[3]).toBe('           1       1.00      0.36      0.53       5.5');
    expect(report.toText().split('\n')[5]).toBe('    accuracy                           0.46       6.5');
  });

  it('weights the top-k precision/recall/F of the pyramid-pooling convention too', () => {
    const yTrue = [0, 1, 2, 2];
    const scores = [
      [0.5, 0.2, 0.3],
      [0.3, 0.4, 0.3],
      [0.2, 0.5, 0.3],
      [0.7, 0.2, 0.1],
    ];
    const plain = topKPrecisionRecallFscore(yTrue, scores, { k: 2, average: 'none' });
    expect(topKPrecisionRecallFscore(yTrue, scores, { k: 2, average: 'none', sampleWeight: [2, 2, 2, 2] })).toEqual({
      ...plain,
      support: plain.support.map((count) => 2 * count),
    });
    // Sample 3 (class 2, a top-2 miss) weighs 3: class 2's recall drops from 1/2 to 1/4.
    const weighted = topKPrecisionRecallFscore(yTrue, scores, { k: 2, average: 'none', sampleWeight: [1, 1, 1, 3] });
    expect(weighted.recall).toEqual([1, 1, 0.25]);
    expect(weighted.accuracy).toBe(3 / 6);
  });

  it('is accepted in snake_case too, but not both spellings or misspelt', () => {
    expect(f1Score([0, 1, 1], [0, 1, 0], { sample_weight: [1, 2, 3] } as never)).toBe(
      f1Score([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3] }),
    );
    expect(() => f1Score([0, 1], [0, 1], { sampleWieght: [1, 1] } as never)).toThrow(/unknown option "sampleWieght"/);
  });
});

describe('labels', () => {
  it('are the labels present in yTrue ∪ yPred by default (sorted), as scikit-learn', () => {
    // recall_score([1, 3, 3, 2], [1, 1, 3, 2], average='macro') = 0.8333 (classes 1, 2, 3; no class 0)
    expect(precisionRecallFscoreSupport([1, 3, 3, 2], [1, 1, 3, 2]).recall).toEqual([1, 1, 0.5]);
    expect(confusionMatrix(['b', 'a', 'b'], ['b', 'b', 'a']).labels).toEqual(['a', 'b']);
  });

  it('choose and order the classes, numbers or strings', () => {
    expect(confusionMatrix([2, 0, 2, 2], [0, 0, 2, 1], { labels: [2, 0] }).toArray()).toEqual([
      [1, 1],
      [0, 1],
    ]);
    // A class left out still counts as a false positive/negative of the listed ones.
    const subset = precisionRecallFscoreSupport(['a', 'b', 'c'], ['a', 'a', 'a'], {
      labels: ['a'],
      average: 'micro',
    });
    expect([subset.precision, subset.recall]).toEqual([1 / 3, 1]);
    const { warnings, onWarning } = collect();
    expect(f1Score([0, 1], [0, 1], { labels: [0, 1, 5], average: 'none', onWarning })).toEqual([1, 1, 0]);
    expect(warnings.map((warning) => warning.category)).toEqual(['UndefinedMetricWarning']);
  });
});

describe("average: 'binary' with posLabel", () => {
  it('scores the positive class alone', () => {
    expect(
      precisionRecallFscoreSupport(['a', 'b', 'b'], ['a', 'a', 'b'], { average: 'binary', posLabel: 'b' }),
    ).toEqual({ precision: 1, recall: 0.5, fscore: 2 / 3, support: 2 });
    expect(f1Score([0, 1, 1], [0, 1, 0], { average: 'binary' })).toBeCloseTo(2 / 3, 15);
    // Class indices named by labels: posLabel may be the name or the index.
    const named = { average: 'binary', numClasses: 2, labels: ['cat', 'dog'] } as const;
    expect(f1Score([0, 1, 1], [0, 1, 0], { ...named, posLabel: 'dog' })).toBe(f1Score([0, 1, 1], [0, 1, 0], named));
  });

  it('warns that posLabel is ignored with another average, as scikit-learn', () => {
    const { warnings, onWarning } = collect();
    f1Score([0, 1, 1], [0, 1, 0], { posLabel: 0, average: 'macro', onWarning });
    expect(warnings).toEqual([
      {
        category: 'UserWarning',
        message:
          "f1Score: Note that pos_label (set to 0) is ignored when average != 'binary' (got 'macro'). " +
          'You may use labels=[pos_label] to specify a single positive class.',
      },
    ]);
  });
});

describe('multilabel indicator input', () => {
  const yTrue = [
    [0, 1, 1],
    [1, 0, 1],
  ];
  const yPred = [
    [0, 1, 0],
    [1, 1, 1],
  ];

  it('gives per-column scores, the samples average and subset accuracy', () => {
    expect(f1Score(yTrue, yPred, { average: 'samples' })).toBeCloseTo(0.7333333333333334, 15);
    expect(precisionRecallFscoreSupport(yTrue, yPred).support).toEqual([1, 1, 2]);
    expect(
      accuracyScore(
        [
          [0, 1],
          [1, 1],
        ],
        [
          [0, 1],
          [1, 0],
        ],
      ),
    ).toBe(0.5);
  });

  it('gives one-vs-rest matrices per class or per sample', () => {
    expect(multilabelConfusionMatrix([1, 0, 2, 1], [1, 2, 2, 0])).toEqual([
      [
        [2, 1],
        [1, 0],
      ],
      [
        [2, 0],
        [1, 1],
      ],
      [
        [2, 1],
        [0, 1],
      ],
    ]);
    expect(
      multilabelConfusionMatrix(
        [
          [1, 0],
          [1, 1],
        ],
        [
          [1, 1],
          [0, 1],
        ],
      ),
    ).toEqual([
      [
        [0, 0],
        [1, 1],
      ],
      [
        [0, 1],
        [0, 1],
      ],
    ]);
    expect(multilabelConfusionMatrix(yTrue, yPred, { samplewise: true })).toEqual([
      [
        [1, 0],
        [1, 1],
      ],
      [
        [0, 1],
        [0, 2],
      ],
    ]);
  });
});

describe('warnings and edge cases', () => {
  it("zeroDivision 'warn' (default) gives 0 and scikit-learn's UndefinedMetricWarning", () => {
    const { warnings, onWarning } = collect();
    expect(precisionScore([0, 1, 1], [0, 0, 0], { onWarning })).toBeCloseTo(1 / 6, 15);
    expect(warnings).toEqual([
      {
        category: 'UndefinedMetricWarning',
        message:
          'precisionScore: Precision is ill-defined and being set to 0.0 in labels with no predicted ' +
          'samples. Use `zero_division` parameter to control this behavior.',
      },
    ]);
    const silent = collect();
    precisionScore([0, 1, 1], [0, 0, 0], { zeroDivision: 0, onWarning: silent.onWarning });
    expect(silent.warnings).toEqual([]);
  });

  it('warns once per message through process.emitWarning by default', async () => {
    const seen: string[] = [];
    const listener = (warning: Error): void => {
      seen.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', listener);
    try {
      for (let round = 0; round < 3; round += 1) balancedAccuracyScore([0, 0, 1], [0, 2, 1]);
      // Node emits 'warning' events on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual(['UserWarning: balancedAccuracyScore: y_pred contains classes not in y_true']);
    } finally {
      process.off('warning', listener);
    }
  });

  it('gives a perfect top-k score with a warning when k >= numClasses', () => {
    const { warnings, onWarning } = collect();
    expect(topKAccuracyScore([0, 1, 2, 3], Array(4).fill([0.4, 0.3, 0.2, 0.1]), { k: 5, onWarning })).toBe(1);
    expect(warnings[0]!.message).toBe(
      "topKAccuracyScore: 'k' (5) greater than or equal to 'n_classes' (4) will result in a perfect score and is therefore meaningless.",
    );
  });

  it('gives scikit-learn results for empty input', () => {
    const { onWarning } = collect();
    expect(confusionMatrix([], []).toArray()).toEqual([]);
    expect(confusionMatrix([], [], { labels: [0, 1] }).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(accuracyScore([], [], { normalize: false })).toBe(0);
    const report = classificationReport([], [], { zeroDivision: 0, onWarning }).toDict();
    expect(Object.keys(report)).toEqual(['accuracy', 'macro avg', 'weighted avg']);
    expect(report['weighted avg']).toEqual({ precision: 0, recall: 0, 'f1-score': 0, support: 0 });
  });

  it('names the classes of the report with targetNames', () => {
    const report = classificationReport([0, 1, 1], [0, 1, 0], { targetNames: ['Degas', 'Monet'] });
    expect(report.labels).toEqual(['Degas', 'Monet']);
    expect(() => classificationReport([0, 1, 1], [0, 1, 0], { targetNames: ['Degas'] })).toThrow(
      /number of classes, 2, does not match size of targetNames, 1/,
    );
  });
});
