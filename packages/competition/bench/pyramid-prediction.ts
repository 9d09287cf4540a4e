/**
 * The seed's pyramid prediction (B3 backbone, levels [1, 2, 5] at 224 px: 30 crops per image,
 * fixed 25/4/1 fusion) in images/s, before (the TF.js layers model as the backbone, what the
 * examples ran until the ONNX runtime) and after (`createPredictor` on ONNX Runtime), plus
 * `createInferenceFunction` on TF.js; and the time for a test set of `--test-images` at that rate.
 *   npm run bench:pyramid -w @art/competition -- [--images 4] [--image-size 448] [--threads 2]
 *     [--test-images 5000] [--runtimes onnx,model] (add tfjs for createInferenceFunction; runs in the order given)
 * TF.js rows run on wasm with @art/backend's kernels and `--threads` threads; ONNX Runtime on the CPU
 * with `--threads` intra-op threads. One warm-up image first; random weights.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '@art/backend';
import { efficientNet } from '@art/efficientnet';
import { PyramidClassifier, SEED_LEVELS, type Backbone } from '@art/pyramid-pooling';
import { createArrayLoader, createPredictor, predictProbabilities, type Predictor } from '../src/index.js';

const ROWS = {
  model: 'TF.js net.model (before)',
  tfjs: 'TF.js createInferenceFunction',
  onnx: 'ONNX Runtime (after)',
} as const;
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '4' },
    'image-size': { type: 'string', default: '448' },
    threads: { type: 'string', default: '2' },
    'test-images': { type: 'string', default: '5000' },
    // ONNX first: after TF.js's wasm backend has run in a process, its threads halve ONNX Runtime's throughput on two cores.
    runtimes: { type: 'string', default: 'onnx,model' },
  },
});
const integer = (flag: string, text: string): number => {
  const value = Number(text);
  if (!(Number.isInteger(value) && value > 0)) {
    console.error(`bench:pyramid: --${flag} must be a positive integer; got "${text}"`);
    process.exit(2);
  }
  return value;
};
const count = integer('images', values.images!);
const size = integer('image-size', values['image-size']!);
const threads = integer('threads', values.threads!);
const testImages = integer('test-images', values['test-images']!);
const runtimes = values.runtimes!.split(',') as (keyof typeof ROWS)[];
for (const runtime of runtimes) {
  if (!(runtime in ROWS)) {
    console.error(`bench:pyramid: --runtimes: unknown "${runtime}"; expected any of ${Object.keys(ROWS).join(', ')}`);
    process.exit(2);
  }
}

const backend = await initBackend({ backend: 'wasm', threads });
const net = efficientNet('b3', { numClasses: 50, head: 'seed' });
const images = Float32Array.from({ length: (count + 1) * size * size * 3 }, (_, i) => Math.sin(i * 0.37) * 1.5);
const warmUp = createArrayLoader({ images: images.subarray(0, size * size * 3), shape: [size, size, 3], batchSize: 1 });
const loader = createArrayLoader({
  images: images.subarray(size * size * 3),
  shape: [size, size, 3],
  batchSize: count,
});

const results: [string, number][] = [];
for (const runtime of runtimes) {
  let backbone: Predictor;
  let dispose = async (): Promise<void> => undefined;
  if (runtime === 'model') {
    backbone = net.model;
  } else {
    const predictor = await createPredictor(net, { runtime, threads });
    backbone = predictor.predict;
    dispose = () => predictor.dispose();
  }
  const pyramid = new PyramidClassifier({
    backbone: backbone as Backbone,
    levels: SEED_LEVELS,
    cropSize: 224,
    fusion: 'fixed',
  });
  await predictProbabilities(null, warmUp, { pyramid });
  const started = performance.now();
  await predictProbabilities(null, loader, { pyramid });
  const imagesPerSecond = count / ((performance.now() - started) / 1000);
  results.push([ROWS[runtime], imagesPerSecond]);
  console.error(`done ${runtime}: ${imagesPerSecond.toFixed(2)} images/s`);
  await dispose();
}

const cropsPerImage = SEED_LEVELS.reduce((n, level) => n + level * level, 0);
const minutes = (rate: number): string => `${(testImages / rate / 60).toFixed(0)} min`;
console.log(
  `\nPyramid prediction, B3 levels [${SEED_LEVELS.join(', ')}] at 224 px (${cropsPerImage} ` +
    `crops/image), ${count} images of ${size}x${size}, ${threads} threads (TF.js: ${backend.name})`,
);
console.log(`| backbone runtime | images/s | crops/s | ${testImages} test images |\n|---|---:|---:|---:|`);
for (const [label, rate] of results)
  console.log(`| ${label} | ${rate.toFixed(2)} | ${(rate * cropsPerImage).toFixed(1)} | ${minutes(rate)} |`);
net.dispose();
process.exit(0);
