import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePng } from '@art/augment/io';
import { SeededRandom, withSeededRandom } from '../../src/random.js';

export const SIZE = 8;
export const CLASSES = 3;

/** A few-layer model with BatchNorm and Dropout, so moving stats and dropout masks are exercised. */
export function tinyModel(seed = 1, numClasses = CLASSES, size = SIZE): tf.Sequential {
  return withSeededRandom(seed, () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [size, size, 3], filters: 4, kernelSize: 3, padding: 'same' }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dropout({ rate: 0.3 }),
        tf.layers.dense({ units: numClasses }),
      ],
    }),
  );
}

/** Images whose mean colour depends on the class (learnable in a few steps). */
export function tinyImages(
  count: number,
  seed = 0,
  numClasses = CLASSES,
  size = SIZE,
): { images: Float32Array; labels: Int32Array } {
  const rng = new SeededRandom(seed);
  const per = size * size * 3;
  const images = new Float32Array(count * per);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % numClasses;
    labels[i] = label;
    for (let p = 0; p < size * size; p++) {
      for (let c = 0; c < 3; c++) images[i * per + p * 3 + c] = (c === label % 3 ? 1 : -0.5) + (rng.next() - 0.5);
    }
  }
  return { images, labels };
}

/** Concatenated model weights as bytes, to compare runs exactly. */
export function weightBytes(model: tf.LayersModel): Uint8Array {
  const arrays = model.getWeights().map((w) => w.dataSync() as Float32Array);
  const total = arrays.reduce((a, b) => a + b.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(out.buffer);
}

/** A small RGB image with a class-dependent colour and some texture. */
export function tinyRgb(
  width: number,
  height: number,
  label: number,
  seed: number,
): { data: Uint8Array; width: number; height: number; channels: number } {
  const rng = new SeededRandom(seed);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.min(255, (c === label % 3 ? 180 : 40) + rng.int(60));
  }
  return { data, width, height, channels: 3 };
}

/** Writes a competition-layout directory with `perClass` train images per artist and `testCount` test images. */
export async function writeCompetitionDir(
  root: string,
  options: { artists?: string[]; perClass?: number; testCount?: number; width?: number; height?: number } = {},
): Promise<{ artists: string[]; trainCount: number; testIds: string[] }> {
  const {
    artists = ['Claude Monet', 'Francisco Goya', 'Vincent van Gogh'],
    perClass = 4,
    testCount = 3,
    width = 24,
    height = 20,
  } = options;
  await mkdir(join(root, 'train'), { recursive: true });
  await mkdir(join(root, 'test'), { recursive: true });
  const train: string[] = ['id,img_path,artist'];
  let id = 0;
  for (let k = 0; k < perClass; k++) {
    for (const [label, artist] of artists.entries()) {
      const file = `./train/${String(id).padStart(4, '0')}.png`;
      await writeFile(join(root, file), await encodePng(tinyRgb(width, height, label, id)));
      train.push(`${id},${file},"${artist}"`);
      id++;
    }
  }
  const test: string[] = ['id,img_path'];
  const sample: string[] = ['id,artist'];
  const testIds: string[] = [];
  for (let t = 0; t < testCount; t++) {
    const testId = `TEST_${String(t).padStart(5, '0')}`;
    const file = `./test/${testId}.png`;
    await writeFile(join(root, file), await encodePng(tinyRgb(width, height, t % artists.length, 1000 + t)));
    test.push(`${testId},${file}`);
    sample.push(`${testId},0`);
    testIds.push(testId);
  }
  await writeFile(join(root, 'train.csv'), `${train.join('\n')}\n`);
  await writeFile(join(root, 'test.csv'), `${test.join('\n')}\n`);
  await writeFile(join(root, 'sample_submission.csv'), `${sample.join('\n')}\n`);
  return { artists, trainCount: id, testIds };
}
