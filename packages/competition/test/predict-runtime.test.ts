import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOnnxInferenceFunction,
  efficientNetConfig,
  buildEfficientNet,
  withMultipliers,
  type EfficientNet,
  type EfficientNetOptions,
} from '@art/efficientnet';
import { PyramidClassifier, type Backbone } from '@art/pyramid-pooling';
import {
  createArrayLoader,
  createPredictor,
  ensembleProbabilities,
  extractFeatures,
  predictProbabilities,
} from '../src/index.js';
import { tinyImages } from './helpers/tiny.js';

const SIZE = 24;
const TINY = withMultipliers(efficientNetConfig('b0'), 0.25, 0.25, 'tiny');

/**
 * A tiny EfficientNet with seeded non-trivial BatchNorm statistics (so folding matters), scaled so
 * that its outputs stay O(1) and differ between images.
 */
function tinyNet(seed: number, options: EfficientNetOptions = { numClasses: 3 }): EfficientNet {
  const net = buildEfficientNet(TINY, { seed, ...options });
  let state = seed + 17;
  const uniform = (low: number, high: number): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return low + ((high - low) * state) / 2 ** 32;
  };
  for (const weight of net.model.weights) {
    const ranges: [RegExp, number, number][] = [
      [/moving_variance$/, 0.1, 0.3],
      [/moving_mean$/, -0.05, 0.05],
      [/gamma$/, 0.5, 1.5],
      [/(beta|bias)$/, -0.3, 0.3],
      [/classifier.*kernel$/, -1, 1],
    ];
    const range = ranges.find(([pattern]) => pattern.test(weight.originalName));
    if (range === undefined) continue;
    const size = weight.shape.reduce<number>((a, b) => a * (b as number), 1);
    tf.tidy(() => {
      weight.write(
        tf.tensor(
          Float32Array.from({ length: size }, () => uniform(range[1], range[2])),
          weight.shape as number[],
        ),
      );
    });
  }
  return net;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

let nets: EfficientNet[];
beforeAll(async () => {
  await tf.setBackend('cpu');
  nets = [tinyNet(1), tinyNet(2)];
});
afterAll(() => nets.forEach((net) => net.dispose()));

describe('prediction through ONNX Runtime', () => {
  it("predictProbabilities with flip TTA: the TF.js model's probabilities; no leaks", async () => {
    const { images } = tinyImages(5, 3, 3, SIZE);
    const loader = createArrayLoader({ images, shape: [SIZE, SIZE, 3], batchSize: 2, shuffle: true, seed: 4 });
    const onnx = await createOnnxInferenceFunction(nets[0]!, { threads: 1 });
    const before = tf.memory().numTensors;
    const ours = await predictProbabilities(onnx, loader, { tta: 'hflip' });
    expect(tf.memory().numTensors).toBe(before);
    const reference = await predictProbabilities(nets[0]!.model, loader, { tta: 'hflip' });
    expect(ours.length).toBe(15);
    // Image 2 by hand: mean of the softmax of it and of its mirror image.
    const x = tf.tensor4d(images.slice(2 * SIZE * SIZE * 3, 3 * SIZE * SIZE * 3), [1, SIZE, SIZE, 3]);
    const byHand = tf.tidy(() =>
      tf
        .div(
          tf.add(
            tf.softmax(nets[0]!.model.predict(x) as tf.Tensor2D),
            tf.softmax(nets[0]!.model.predict(tf.reverse(x, 2)) as tf.Tensor2D),
          ),
          2,
        )
        .dataSync(),
    );
    expect(maxDifference(ours.subarray(6, 9), byHand)).toBeLessThan(1e-5);
    x.dispose();
    expect(maxDifference(ours, reference)).toBeLessThan(1e-5);
    // The network must tell images apart, or the comparison proves little.
    expect(maxDifference(reference.subarray(0, 3), reference.subarray(3, 6))).toBeGreaterThan(1e-4);
    await onnx.dispose();
  });

  it('fold ensembling: several predictors in one pass give the soft vote of separate runs', async () => {
    const { images } = tinyImages(4, 5, 3, SIZE);
    const loader = createArrayLoader({ images, shape: [SIZE, SIZE, 3], batchSize: 3 });
    const folds = await Promise.all(nets.map((net) => createOnnxInferenceFunction(net, { threads: 1 })));
    const ensemble = await predictProbabilities(folds, loader, { tta: 'hflip' });
    const separate = await Promise.all(nets.map((net) => predictProbabilities(net.model, loader, { tta: 'hflip' })));
    const ids = ['a', 'b', 'c', 'd'];
    const classes = ['x', 'y', 'z'];
    const expected = ensembleProbabilities(
      separate.map((probabilities) => ({ ids, classes, probabilities })),
    ).probabilities;
    expect(maxDifference(ensemble, expected)).toBeLessThan(1e-5);
    expect(maxDifference(separate[0]!, separate[1]!)).toBeGreaterThan(1e-3);
    await Promise.all(folds.map((fold) => fold.dispose()));
  });

  it('extractFeatures: pooled and spatial features, ONNX Runtime against TF.js, flip TTA averaged', async () => {
    const { images } = tinyImages(3, 6, 3, SIZE);
    const loader = createArrayLoader({ images, shape: [SIZE, SIZE, 3], batchSize: 2 });
    for (const options of [{ includeTop: false }, { includeTop: false, pooling: 'none' }] as EfficientNetOptions[]) {
      const net = tinyNet(3, options);
      const onnx = await createOnnxInferenceFunction(net, { threads: 1 });
      const before = tf.memory().numTensors;
      const ours = await extractFeatures(onnx, loader, { tta: 'flips' });
      expect(tf.memory().numTensors).toBe(before);
      const reference = await extractFeatures(net.model, loader, { tta: 'flips' });
      const plain = await extractFeatures(net.model, loader);
      const width =
        (net.model.outputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * (b ?? 1), 1) ||
        net.featureInfo.at(-1)!.channels;
      expect(ours.dimension).toBe(reference.dimension);
      expect(ours.features.length).toBe(3 * ours.dimension);
      if (options.pooling !== 'none') expect(ours.dimension).toBe(width);
      expect(maxDifference(ours.features, reference.features)).toBeLessThan(1e-4);
      expect(maxDifference(plain.features, reference.features)).toBeGreaterThan(1e-4);
      await onnx.dispose();
      net.dispose();
    }
  });

  it.each([['onnx'], ['tfjs']] as const)(
    "pyramid prediction with a %s predictor as the backbone: the TF.js pyramid's fused probabilities",
    async (runtime) => {
      const { images } = tinyImages(2, 7, 3, 2 * SIZE);
      const loader = createArrayLoader({ images, shape: [2 * SIZE, 2 * SIZE, 3], batchSize: 2 });
      const predictor = await createPredictor(nets[0]!, { runtime, threads: 1 });
      const options = { levels: [1, 2], cropSize: SIZE, fusion: 'fixed' as const };
      const before = tf.memory().numTensors;
      const ours = await predictProbabilities(null, loader, {
        pyramid: new PyramidClassifier({ backbone: predictor.predict as Backbone, ...options }),
        tta: 'hflip',
        maxCropsInMemory: 3,
      });
      expect(tf.memory().numTensors).toBe(before);
      const reference = await predictProbabilities(null, loader, {
        pyramid: new PyramidClassifier({ backbone: nets[0]!.model, ...options }),
        tta: 'hflip',
      });
      expect(maxDifference(ours, reference)).toBeLessThan(1e-5);
      await predictor.dispose();
    },
  );

  it('createPredictor: auto picks onnx when onnxruntime-node is installed; tfjs on request; unknown runtimes are named', async () => {
    const auto = await createPredictor(nets[0]!, { threads: 1 });
    expect(auto.runtime).toBe('onnx');
    expect(auto.description).toMatch(/ONNX Runtime/);
    const tfjs = await createPredictor(nets[0]!, { runtime: 'tfjs', maxBatchSize: 1 });
    expect(tfjs.runtime).toBe('tfjs');
    const x = tf.randomNormal([2, SIZE, SIZE, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const [a, b] = [await auto.predict(x), await tfjs.predict(x)];
    expect(maxDifference(a.dataSync(), b.dataSync())).toBeLessThan(1e-4);
    tf.dispose([a, b, x]);
    await Promise.all([auto.dispose(), tfjs.dispose()]);
    await expect(createPredictor(nets[0]!, { runtime: 'tensorrt' as never })).rejects.toThrow(
      /Unknown runtime "tensorrt"; expected one of auto, onnx, tfjs/,
    );
  });
});
