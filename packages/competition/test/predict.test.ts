import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PyramidClassifier } from '@art/pyramid-pooling';
import {
  createArrayLoader,
  ensembleFiles,
  ensembleProbabilities,
  loadProbabilities,
  predictProbabilities,
  saveProbabilities,
  type ProbabilityTable,
} from '../src/index.js';
import { SIZE, tinyImages, tinyModel } from './helpers/tiny.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'art-competition-predict-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predictProbabilities', () => {
  it('returns softmax rows in dataset order; flip TTA averages flipped copies; no leaks', async () => {
    const model = tinyModel(3);
    const { images } = tinyImages(7, 4);
    const loader = createArrayLoader({ images, shape: [SIZE, SIZE, 3], batchSize: 3, shuffle: true, seed: 1 });
    const before = tf.memory().numTensors;
    const plain = await predictProbabilities(model, loader);
    const flipped = await predictProbabilities(model, loader, { tta: 'hflip' });
    const all = await predictProbabilities(model, loader, { tta: 'flips' });
    expect(tf.memory().numTensors).toBe(before);
    expect(plain.length).toBe(7 * 3);
    for (let i = 0; i < 7; i++) expect(plain[i * 3]! + plain[i * 3 + 1]! + plain[i * 3 + 2]!).toBeCloseTo(1, 5);
    // reference: image 4 by hand
    const x = tf.tensor4d(images.slice(4 * SIZE * SIZE * 3, 5 * SIZE * SIZE * 3), [1, SIZE, SIZE, 3]);
    const expectedPlain = tf.tidy(() => tf.softmax(model.predict(x) as tf.Tensor2D).dataSync());
    const expectedFlip = tf.tidy(() =>
      tf
        .div(
          tf.add(
            tf.softmax(model.predict(x) as tf.Tensor2D),
            tf.softmax(model.predict(tf.reverse(x, 2)) as tf.Tensor2D),
          ),
          2,
        )
        .dataSync(),
    );
    for (let c = 0; c < 3; c++) {
      expect(plain[4 * 3 + c]).toBeCloseTo(expectedPlain[c]!, 6);
      expect(flipped[4 * 3 + c]).toBeCloseTo(expectedFlip[c]!, 6);
    }
    expect(all.length).toBe(21);
    await expect(predictProbabilities(model, loader, { tta: 'rot90' as never })).rejects.toThrow(
      /expected one of none, hflip, flips/,
    );
    x.dispose();
    model.dispose();
  });

  it('predicts through a pyramid-style predictor (fused tensor or plain arrays)', async () => {
    const { images } = tinyImages(4, 5);
    const loader = createArrayLoader({ images, shape: [SIZE, SIZE, 3], batchSize: 2 });
    const pyramid = {
      predict: (x: tf.Tensor4D) => ({ fused: tf.tidy(() => tf.softmax(tf.mean(x, [1, 2]) as tf.Tensor2D)) }),
    };
    const before = tf.memory().numTensors;
    const probabilities = await predictProbabilities(null, loader, { pyramid });
    expect(tf.memory().numTensors).toBe(before);
    expect(probabilities.length).toBe(12);
    const arrays = {
      predict: async (x: tf.Tensor4D) => ({
        fused: Array.from({ length: x.shape[0] }, (_, i) => [i / 10, 1 - i / 10, 0]),
      }),
    };
    const fromArrays = await predictProbabilities(null, loader, { pyramid: arrays, tta: 'hflip' });
    expect(Array.from(fromArrays.subarray(3, 6))).toEqual([0.1, 0.9, 0].map(Math.fround));
  });
});

describe('predictProbabilities with @art/pyramid-pooling', () => {
  it('uses a PyramidClassifier around the model (levels 1 and 2)', async () => {
    const model = tinyModel(4);
    const pyramid = new PyramidClassifier({ backbone: model, levels: [1, 2], cropSize: SIZE, fusion: 'soft' });
    const { images } = tinyImages(3, 6, 3, 2 * SIZE);
    const loader = createArrayLoader({ images, shape: [2 * SIZE, 2 * SIZE, 3], batchSize: 2 });
    const before = tf.memory().numTensors;
    const probabilities = await predictProbabilities(null, loader, { pyramid, tta: 'hflip', maxCropsInMemory: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(probabilities.length).toBe(9);
    for (let i = 0; i < 3; i++)
      expect(probabilities[i * 3]! + probabilities[i * 3 + 1]! + probabilities[i * 3 + 2]!).toBeCloseTo(1, 5);
    model.dispose();
  });
});

describe('probability files and ensembling', () => {
  const table = (ids: string[], rows: number[][]): ProbabilityTable => ({
    ids,
    classes: ['A', 'B'],
    probabilities: Float32Array.from(rows.flat()),
  });

  it('round-trips CSV and JSON exactly', async () => {
    const t = table(
      ['x', 'y'],
      [
        [0.1234567, 0.8765433],
        [1 / 3, 2 / 3],
      ],
    );
    for (const file of ['p.csv', 'p.json']) {
      await saveProbabilities(join(dir, file), t);
      expect(await loadProbabilities(join(dir, file))).toEqual(t);
    }
  });

  it('soft-votes folds, matching rows by id, and writes the submission in sample order', async () => {
    const fold0 = table(
      ['t1', 't2', 't3'],
      [
        [0.9, 0.1],
        [0.4, 0.6],
        [0.45, 0.55],
      ],
    );
    const fold1 = table(
      ['t3', 't1', 't2'],
      [
        [0.65, 0.35],
        [0.7, 0.3],
        [0.2, 0.8],
      ],
    );
    const mean = ensembleProbabilities([fold0, fold1]);
    expect(mean.ids).toEqual(['t1', 't2', 't3']);
    [0.8, 0.2, 0.3, 0.7, 0.55, 0.45].forEach((v, i) => expect(mean.probabilities[i]).toBeCloseTo(v, 6));
    await saveProbabilities(join(dir, 'f0.csv'), fold0);
    await saveProbabilities(join(dir, 'f1.csv'), fold1);
    await ensembleFiles({
      inputs: [join(dir, 'f0.csv'), join(dir, 'f1.csv')],
      sampleSubmission: ['t3', 't1', 't2'],
      out: join(dir, 'submission.csv'),
    });
    expect(await readFile(join(dir, 'submission.csv'), 'utf8')).toBe('id,artist\nt3,A\nt1,A\nt2,B\n');
    expect(() =>
      ensembleProbabilities([
        fold0,
        table(
          ['t1', 't2'],
          [
            [1, 0],
            [0, 1],
          ],
        ),
      ]),
    ).toThrow(/table 1 has 2 ids, table 0 has 3/);
    expect(() => ensembleProbabilities([fold0, { ...fold1, classes: ['B', 'A'] }])).toThrow(
      /table 1 has classes \[B, A\]/,
    );
  });
});
