/**
 * Short benchmark of the two crop paths and of memory-capped inference (CPU backend).
 * Run with `npm run bench -w @art/pyramid-pooling`; prints milliseconds, asserts nothing.
 */
import * as tf from '@tensorflow/tfjs';

import { cropPyramidImage, cropPyramidTensor, PyramidClassifier, type PyramidRawImage } from '../src/index.js';

await tf.setBackend('cpu');

const count = 4;
const [width, height, cropSize] = [320, 240, 96];
const images: PyramidRawImage[] = Array.from({ length: count }, (_, index) => {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + index * 17) % 256;
  return { data, width, height, channels: 3 };
});
const batch = tf.tensor4d(Float32Array.from(images.flatMap((image) => Array.from(image.data))), [
  count,
  height,
  width,
  3,
]);

function time(label: string, run: () => unknown): void {
  run(); // warm-up
  const start = performance.now();
  const repeats = 3;
  for (let i = 0; i < repeats; i++) run();
  console.log(`${label.padEnd(48)} ${((performance.now() - start) / repeats).toFixed(1).padStart(8)} ms`);
}

const options = { cropSize, borderMode: 'reflect101' as const };
time(`cropPyramidImage ×${count} (${width}×${height} → 30×${cropSize}²)`, () =>
  images.map((image) => cropPyramidImage(image, options)),
);
time(`cropPyramidTensor [${count}, ${height}, ${width}, 3]`, () => {
  const crops = cropPyramidTensor(batch, options);
  crops.dataSync();
  crops.dispose();
});

const backbone = (crops: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => tf.mean(crops, [1, 2]) as tf.Tensor2D);
const classifier = new PyramidClassifier({ backbone, ...options });
for (const maxCropsInMemory of [16, 64, 256]) {
  const start = performance.now();
  await classifier.predict(batch, { maxCropsInMemory });
  console.log(
    `${`predict, maxCropsInMemory ${maxCropsInMemory}`.padEnd(48)} ${(performance.now() - start).toFixed(1).padStart(8)} ms`,
  );
}
batch.dispose();
