import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  defaultFixedWeights,
  FUSION_MODES,
  fuse,
  fuseTensors,
  softmax,
  type FusionMode,
  type FusionOptions,
} from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectRowsClose(actual: number[][], expected: number[][], digits = 10): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    expect(row.length).toBe(expected[i]!.length);
    row.forEach((value, j) => expect(value).toBeCloseTo(expected[i]![j]!, digits));
  });
}

// Levels [1, 2], 3 classes. Level 1: the whole image; level 2: four crops.
const image = [
  [0.5, 0.3, 0.2],
  [0.1, 0.6, 0.3],
  [0.2, 0.5, 0.3],
  [0.6, 0.2, 0.2],
  [0.3, 0.3, 0.4],
];
const levels = [1, 2];
// By hand: level 2 mean = [1.2, 1.6, 1.2] / 4 = [0.3, 0.4, 0.3].

describe('fuse (hand-computed)', () => {
  it('soft: mean of crops per level, then the mean of the levels', () => {
    const result = fuse([image], 'soft', { levels });
    expectRowsClose(result.perLevel[0]!, [
      [0.5, 0.3, 0.2],
      [0.3, 0.4, 0.3],
    ]);
    expectRowsClose(result.fused, [[0.4, 0.35, 0.25]]);
    expectRowsClose(result.levelWeights, [[0.5, 0.5]]);
  });

  it('hard: vote shares of the crop argmaxes per level, levels averaged', () => {
    // level 1 votes class 0; level 2 votes 1, 1, 0, 2 → [0.25, 0.5, 0.25]
    const result = fuse([image], 'hard', { levels });
    expectRowsClose(result.perLevel[0]!, [
      [1, 0, 0],
      [0.25, 0.5, 0.25],
    ]);
    expectRowsClose(result.fused, [[0.625, 0.25, 0.125]]);
  });

  it('hard: a tied crop votes for the lowest class index, and tied votes stay tied', () => {
    const tied = [
      [0.4, 0.4, 0.2], // tie 0/1 → votes 0
      [0.1, 0.8, 0.1],
      [0.1, 0.8, 0.1],
      [0.7, 0.2, 0.1],
      [0.7, 0.2, 0.1],
    ];
    const result = fuse([tied], 'hard', { levels });
    expectRowsClose(result.perLevel[0]!, [
      [1, 0, 0],
      [0.5, 0.5, 0],
    ]);
    expectRowsClose(result.fused, [[0.75, 0.25, 0]]);
  });

  it('adaptive: levels weighted by exp(-entropy), normalised (our reading of the paper)', () => {
    // H(level 1) = 1.0296530140645737 nats, H(level 2) = 1.0888999753452238 nats
    // w1 = 1 / (1 + exp(H1 - H2)) = 0.5148074091565881, w2 = 0.485192590843412
    const result = fuse([image], 'adaptive', { levels });
    expectRowsClose(result.levelWeights, [[0.5148074091565881, 0.485192590843412]]);
    expectRowsClose(result.fused, [[0.40296148183131764, 0.3485192590843412, 0.24851925908434122]]);
  });

  it("fixed: default weights are the levels squared in reverse ([4, 1] here, the seed's [25, 4, 1])", () => {
    expect(defaultFixedWeights([1, 2, 5])).toEqual([25, 4, 1]);
    expect(defaultFixedWeights('paper')).toEqual([16, 4, 1]);
    // (4·[0.5, 0.3, 0.2] + [0.3, 0.4, 0.3]) = [2.3, 1.6, 1.1]; / 5 when normalised
    expectRowsClose(fuse([image], 'fixed', { levels }).fused, [[0.46, 0.32, 0.22]]);
    expectRowsClose(fuse([image], 'fixed', { levels, normalizeWeights: false }).fused, [[2.3, 1.6, 1.1]]);
    expectRowsClose(fuse([image], 'fixed', { levels, fixedWeights: [1, 3] }).fused, [[0.35, 0.375, 0.275]]);
  });

  it('learned: softmax of the level logits', () => {
    // logits [0, ln 3] → weights [0.25, 0.75]
    const result = fuse([image], 'learned', { levels, learnedLogits: [0, Math.log(3)] });
    expectRowsClose(result.levelWeights, [[0.25, 0.75]]);
    expectRowsClose(result.fused, [[0.35, 0.375, 0.275]]);
  });

  it('fixed reproduces the seed exactly: 25·softmax(level1) + 4·mean(softmax(level2)) + mean(softmax(level3))', () => {
    const numClasses = 4;
    const logits = Array.from({ length: 30 }, (_, crop) =>
      Array.from({ length: numClasses }, (_, c) => Math.sin(crop * 1.7 + c * 2.3) * 3),
    );
    // Class-wise softmax of every crop (the seed's Softmax(dim=0) over crops is the bug not copied).
    const probabilities = logits.map((row) => softmax(row));
    const seed = new Array<number>(numClasses).fill(0);
    for (let c = 0; c < numClasses; c++) {
      let level2 = 0;
      for (let crop = 1; crop < 5; crop++) level2 += probabilities[crop]![c]!;
      let level3 = 0;
      for (let crop = 5; crop < 30; crop++) level3 += probabilities[crop]![c]!;
      seed[c] = 25 * probabilities[0]![c]! + (4 * level2) / 4 + level3 / 25;
    }
    const raw = fuse([probabilities], 'fixed', { normalizeWeights: false }).fused[0]!;
    raw.forEach((value, c) => expect(value).toBeCloseTo(seed[c]!, 12));
    expect(raw.reduce((a, b) => a + b, 0)).toBeCloseTo(30, 12);
    const normalised = fuse([probabilities], 'fixed').fused[0]!;
    normalised.forEach((value, c) => expect(value).toBeCloseTo(seed[c]! / 30, 12));
  });

  it('softmax is class-wise and stable', () => {
    expectRowsClose([softmax([0, Math.log(3)])], [[0.25, 0.75]], 14);
    const big = softmax([1000, 1000]);
    expect(big).toEqual([0.5, 0.5]);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => fuse([image], 'mean' as FusionMode, { levels })).toThrow(
      /Unknown fusion mode "mean"; expected one of "hard", "soft", "adaptive", "fixed", "learned"/,
    );
    expect(() => fuse([image.slice(1)], 'soft', { levels })).toThrow(
      /perCropProbabilities\[0\] must hold 5 crops for levels \[1,2\], got 4/,
    );
    expect(() => fuse([image], 'learned', { levels })).toThrow(/needs options.learnedLogits/);
    expect(() => fuse([image], 'learned', { levels, learnedLogits: [1] })).toThrow(
      /learnedLogits must hold 2 finite numbers/,
    );
    expect(() => fuse([image], 'fixed', { levels, fixedWeights: [1, -1] })).toThrow(
      /fixedWeights must hold 2 non-negative numbers/,
    );
    expect(() =>
      fuse(
        [
          [
            [Number.NaN, 1],
            [0, 1],
            [0, 1],
            [0, 1],
            [0, 1],
          ],
        ],
        'soft',
        { levels },
      ),
    ).toThrow(/non-finite value NaN/);
  });
});

describe('fuseTensors', () => {
  it('equals fuse for every mode and leaks nothing', () => {
    const numClasses = 5;
    const batch = Array.from({ length: 3 }, (_, imageIndex) =>
      Array.from({ length: 30 }, (_, crop) =>
        softmax(Array.from({ length: numClasses }, (_, c) => Math.cos(imageIndex * 3.1 + crop * 0.7 + c * 1.9) * 2)),
      ),
    );
    const input = tf.tensor3d(batch);
    for (const mode of FUSION_MODES) {
      const options: FusionOptions = mode === 'learned' ? { learnedLogits: [0.3, -0.2, 0.5] } : {};
      const expected = fuse(batch, mode, options);
      const before = tf.memory().numTensors;
      const result = fuseTensors(input, mode, options);
      expect(tf.memory().numTensors).toBe(before + 3);
      expectRowsClose(result.fused.arraySync(), expected.fused, 5);
      result.perLevel
        .arraySync()
        .forEach((levelsOfImage, i) => expectRowsClose(levelsOfImage, expected.perLevel[i]!, 5));
      expectRowsClose(result.levelWeights.arraySync(), expected.levelWeights, 5);
      tf.dispose([result.fused, result.perLevel, result.levelWeights]);
    }
    // A variable as learned logits: gradients flow to it.
    const logits = tf.variable(tf.tensor1d([0, 0, 0]));
    const { value, grads } = tf.variableGrads(() => {
      const { fused } = fuseTensors(input, 'learned', { learnedLogits: logits });
      return tf.neg(tf.mean(tf.log(tf.slice(fused, [0, 0], [-1, 1])))) as tf.Scalar;
    }, [logits]);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(Array.from(grads[logits.name]!.dataSync()).some((g) => g !== 0)).toBe(true);
    tf.dispose([value, grads[logits.name]!, logits, input]);
  });
});
