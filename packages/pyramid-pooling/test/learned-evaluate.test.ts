import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  argMax,
  evaluatePyramid,
  fitFusionWeights,
  fuse,
  PyramidClassifier,
  PyramidFusionLayer,
} from '../src/index.js';
import { meanColourBackbone, testImage } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Levels [1, 2], 3 classes: the whole image is misleading, the 2×2 crops are right. */
function misleadingWholeImage(count: number): { perCrop: number[][][]; labels: number[] } {
  const perCrop: number[][][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    const wrong = [0.05, 0.05, 0.05];
    wrong[(label + 1) % 3] = 0.9;
    const right = [0.15, 0.15, 0.15];
    right[label] = 0.7;
    perCrop.push([wrong, right, right, right, right]);
    labels.push(label);
  }
  return { perCrop, labels };
}

describe('fitFusionWeights / PyramidFusionLayer', () => {
  it('learns to trust the informative level, deterministically and without leaks', () => {
    const { perCrop, labels } = misleadingWholeImage(12);
    const before = tf.memory().numTensors;
    const fitted = fitFusionWeights(perCrop, labels, { levels: [1, 2], epochs: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expect(fitted.losses).toHaveLength(100);
    expect(fitted.losses.at(-1)!).toBeLessThan(fitted.losses[0]!);
    expect(fitted.weights[1]!).toBeGreaterThan(0.9);
    expect(fitted.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const again = fitFusionWeights(perCrop, labels, { levels: [1, 2], epochs: 100 });
    expect(again.learnedLogits).toEqual(fitted.learnedLogits);
    // The learned fusion gets every image right where equal weights (soft) get none.
    const learned = fuse(perCrop, 'learned', { levels: [1, 2], learnedLogits: fitted.learnedLogits });
    expect(learned.fused.map(argMax)).toEqual(labels);
    expect(
      fuse(perCrop, 'soft', { levels: [1, 2] })
        .fused.map(argMax)
        .filter((p, i) => p === labels[i]),
    ).toHaveLength(0);
    expect(fuse(perCrop, 'learned', { levels: [1, 2], learnedLogits: fitted.learnedLogits }).levelWeights[0]).toEqual(
      learned.levelWeights[0],
    );
  });

  it('validates its input', () => {
    const { perCrop, labels } = misleadingWholeImage(3);
    expect(() => fitFusionWeights(perCrop, labels.slice(1), { levels: [1, 2] })).toThrow(
      /labels has 2 entries but perCropProbabilities has 3/,
    );
    expect(() => fitFusionWeights(perCrop, [0, 1, 3], { levels: [1, 2] })).toThrow(
      /labels\[2\] must be a class index in \[0, 3\), got 3/,
    );
    expect(() => fitFusionWeights(perCrop, labels)).toThrow(/must hold 30 crops/);
    expect(() => fitFusionWeights(perCrop, labels, { levels: [1, 2], initialLogits: [0] })).toThrow(
      /initialLogits must hold 2/,
    );
  });

  it('is a serialisable TF.js layer (getConfig / registerClass round trip)', () => {
    const model = tf.sequential({ layers: [new PyramidFusionLayer({ numLevels: 2, inputShape: [2, 3] })] });
    const layer = model.layers[0] as PyramidFusionLayer;
    const logits = tf.tensor1d([0, Math.log(3)]);
    layer.setWeights([logits]);
    const input = tf.tensor3d([
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
    ]);
    const output = model.predict(input) as tf.Tensor;
    expect(Array.from(output.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.25, 0.75, 0]);
    expect(layer.getConfig()).toMatchObject({ numLevels: 2 });
    expect(layer.levelWeights()[1]).toBeCloseTo(0.75, 6);
    const restored = tf.models.modelFromJSON({ modelTopology: model.toJSON(undefined, false) } as never);
    return restored.then((copy) => {
      copy.setWeights(model.getWeights());
      const copied = copy.predict(input) as tf.Tensor;
      expect(Array.from(copied.dataSync())).toEqual(Array.from(output.dataSync()));
      expect(copy.layers[0]).toBeInstanceOf(PyramidFusionLayer);
      tf.dispose([logits, input, output, copied]);
      model.dispose();
      copy.dispose();
    });
  });
});

describe('evaluatePyramid', () => {
  // Every crop of an image holds the same distribution, so every soft-type fusion and the
  // baseline give that distribution and `hard` its one-hot argmax.
  const rows = [
    [0.6, 0.3, 0.1], // label 0: top-1 right
    [0.5, 0.4, 0.1], // label 1: top-1 wrong (0), top-2 right
    [0.2, 0.3, 0.5], // label 2: top-1 right
    [0.1, 0.6, 0.3], // label 2: top-1 wrong (1), top-2 right
  ];
  const labels = [0, 1, 2, 2];
  const perCrop = rows.map((row) => Array.from({ length: 5 }, () => row));

  it("computes the paper's Table 1 (hand-computed macro P/R/F at Top-1 and Top-2)", () => {
    const evaluation = evaluatePyramid(perCrop, labels, { levels: [1, 2], learnedLogits: [0.3, 0.1] });
    expect(evaluation.rows.map((row) => row.mode)).toEqual([
      'baseline',
      'hard',
      'soft',
      'adaptive',
      'fixed',
      'learned',
    ]);
    expect(evaluation.numImages).toBe(4);
    expect(evaluation.numClasses).toBe(3);
    // Top-1 predictions [0, 0, 2, 1]: class 0 P=1/2 R=1, class 1 P=0 R=0, class 2 P=1 R=1/2
    // → macro P = 1/2, R = 1/2, F = (2/3 + 0 + 2/3)/3 = 4/9. Top-2: every true class is in the top 2 → 1.
    for (const mode of ['baseline', 'soft', 'adaptive', 'fixed', 'learned'] as const) {
      const [top1, top2] = evaluation.row(mode)!.scores;
      expect(top1!.k).toBe(1);
      expect(top1!.precision).toBeCloseTo(0.5, 12);
      expect(top1!.recall).toBeCloseTo(0.5, 12);
      expect(top1!.fscore).toBeCloseTo(4 / 9, 12);
      expect([top2!.precision, top2!.recall, top2!.fscore]).toEqual([1, 1, 1]);
    }
    // hard: one-hot scores, ties ranked as scikit-learn ranks them (the higher class index
    // first): top-2 of [1, 0, 0] is {0, 2}, of [0, 1, 0] is {1, 2}. Image 1 (label 1) stays wrong
    // at k = 2, image 3 (label 2) becomes right: predictions [0, 0, 2, 2] → P = (1/2 + 0 + 1)/3,
    // R = (1 + 0 + 1)/3, F = (2/3 + 0 + 1)/3 = 5/9
    const [hardTop1, hardTop2] = evaluation.row('hard')!.scores;
    expect(hardTop1!.fscore).toBeCloseTo(4 / 9, 12);
    expect(hardTop2!.precision).toBeCloseTo(1 / 2, 12);
    expect(hardTop2!.recall).toBeCloseTo(2 / 3, 12);
    expect(hardTop2!.fscore).toBeCloseTo(5 / 9, 12);
  });

  it('formats the table as text and Markdown', () => {
    const evaluation = evaluatePyramid(perCrop, labels, { levels: [1, 2], modes: ['baseline', 'hard'] });
    const text = evaluation.format();
    expect(text.split('\n')).toEqual([
      'Fusion    Top-1 P  Top-1 R  Top-1 F  Top-2 P  Top-2 R  Top-2 F',
      '--------  -------  -------  -------  -------  -------  -------',
      'baseline    50.00    50.00    44.44   100.00   100.00   100.00',
      'hard        50.00    50.00    44.44    50.00    66.67    55.56',
    ]);
    expect(String(evaluation)).toBe(text);
    expect(evaluation.format('markdown').split('\n')[1]).toBe('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(() => evaluation.format('html' as never)).toThrow(/expected one of "text", "markdown"/);
  });

  it('validates its input', () => {
    expect(() => evaluatePyramid(perCrop, labels.slice(1), { levels: [1, 2] })).toThrow(
      /labels has 3 entries but perCropProbabilities has 4/,
    );
    expect(() => evaluatePyramid(perCrop, labels, { levels: [1, 2], topK: [4] })).toThrow(
      /each k must be an integer in \[1, 3\]/,
    );
    expect(() => evaluatePyramid(perCrop, labels, { levels: [1, 2], modes: ['learned'] })).toThrow(
      /needs options.learnedLogits/,
    );
    expect(() => evaluatePyramid([], [], { levels: [1, 2] })).toThrow(/at least one image/);
  });

  it('runs from a classifier on images (PyramidClassifier.evaluate)', async () => {
    const classifier = new PyramidClassifier({ backbone: meanColourBackbone(), cropSize: 6, levels: 'paper' });
    const images = [testImage(12, 9, 1), testImage(12, 9, 2), testImage(12, 9, 3)];
    const evaluation = await classifier.evaluate(images, [0, 1, 2], { maxCropsInMemory: 20 });
    const { perCrop: crops } = await classifier.predict(images);
    expect(evaluation.rows).toEqual(evaluatePyramid(crops, [0, 1, 2], { levels: 'paper' }).rows);
  });
});
