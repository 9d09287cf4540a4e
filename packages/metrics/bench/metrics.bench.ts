/**
 * `npm run bench -w @art/metrics`: throughput of the hot paths on a 1000-class problem
 * (ImageNet-sized heads): streaming updates with flat scores, and the one-shot scores.
 * Kept short; numbers go to stdout, never into tests.
 */

import { splitMix32State, Xoshiro128StarStar } from '../../../internal/rng.js';
import { MetricsAccumulator, f1Score, topKAccuracyScore } from '../src/index.js';

const NUM_CLASSES = 1000;
const BATCH_SIZE = 256;
const BATCHES = 40;

// A seeded source (the packages' generator), so every run measures the same data.
const generator = new Xoshiro128StarStar(splitMix32State(12345));
const random = (): number => generator.random();

const labels = Int32Array.from({ length: BATCH_SIZE }, () => Math.floor(random() * NUM_CLASSES));
const scores = Float32Array.from({ length: BATCH_SIZE * NUM_CLASSES }, () => random());

function time(name: string, samples: number, run: () => void): void {
  run(); // warm-up
  const start = performance.now();
  run();
  const seconds = (performance.now() - start) / 1000;
  console.log(`${name.padEnd(48)} ${(samples / seconds / 1000).toFixed(1).padStart(8)} k samples/s`);
}

time(`MetricsAccumulator.update, ${NUM_CLASSES} classes, top-1/2/5`, BATCH_SIZE * BATCHES, () => {
  const metrics = new MetricsAccumulator({ numClasses: NUM_CLASSES });
  for (let batch = 0; batch < BATCHES; batch += 1) metrics.update(labels, scores);
  metrics.compute();
});

const manyTrue = Int32Array.from({ length: 1_000_000 }, () => Math.floor(random() * NUM_CLASSES));
const manyPred = Int32Array.from({ length: 1_000_000 }, () => Math.floor(random() * NUM_CLASSES));
time(`f1Score (macro), ${NUM_CLASSES} classes`, manyTrue.length, () => {
  f1Score(manyTrue, manyPred, { numClasses: NUM_CLASSES });
});

time(`topKAccuracyScore (k = 5), ${NUM_CLASSES} classes`, BATCH_SIZE, () => {
  topKAccuracyScore(labels, scores, { k: 5, numClasses: NUM_CLASSES });
});
