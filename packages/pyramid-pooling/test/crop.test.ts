import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  BORDER_MODES,
  cropPyramidImage,
  cropPyramidTensor,
  padImage,
  type PyramidOptions,
  type PyramidRawImage,
} from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A deterministic uint8 image whose pixels all differ. */
function testImage(width: number, height: number, channels = 3, seed = 1): PyramidRawImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 11 + ((i * i) % 13)) % 256;
  return { data, width, height, channels };
}

function toTensor(images: PyramidRawImage[]): tf.Tensor4D {
  const { width, height, channels } = images[0]!;
  const data = new Float32Array(images.length * width * height * channels);
  images.forEach((image, index) => data.set(image.data, index * width * height * channels));
  return tf.tensor4d(data, [images.length, height, width, channels]);
}

/** Runs `fn`, which returns one new tensor, and checks that nothing else was left behind. */
function expectLeakFree<T extends tf.Tensor>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const result = fn();
  expect(tf.memory().numTensors).toBe(before + 1);
  return result;
}

describe('cropPyramidImage', () => {
  it('returns each cell exactly when the crop size equals the cell size (bilinear and nearest)', () => {
    const image = testImage(4, 4, 2);
    for (const interpolation of ['bilinear', 'nearest'] as const) {
      // Sample positions come from float32 boxes (as in tf.image.cropAndResize): exact to ~1e-6.
      const close = (actual: Float32Array, expected: ArrayLike<number>): void => {
        expect(actual.length).toBe(expected.length);
        actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 4));
      };
      const crops = cropPyramidImage(image, { levels: [1, 2], cropSize: 4, padding: 'none', interpolation });
      close(crops[0]!.image.data, image.data);
      const small = cropPyramidImage(image, { levels: [2], cropSize: 2, padding: 'none', interpolation });
      // cell (row 1, column 0) = rows 2..3, columns 0..1
      const expected: number[] = [];
      for (const y of [2, 3])
        for (const x of [0, 1]) for (const c of [0, 1]) expected.push(image.data[(y * 4 + x) * 2 + c]!);
      close(small[2]!.image.data, expected);
      expect(small[2]!.crop).toMatchObject({ level: 2, row: 1, column: 0 });
    }
  });

  it('interpolates bilinearly with corner-aligned sampling (hand-computed)', () => {
    // 3×1 image [0, 10, 20] → 5 samples at 0, 0.5, 1, 1.5, 2 → 0, 5, 10, 15, 20 on every row.
    const image: PyramidRawImage = { data: new Uint8Array([0, 10, 20]), width: 3, height: 1, channels: 1 };
    const [crop] = cropPyramidImage(image, { levels: [1], cropSize: 5, padding: 'none' });
    for (let row = 0; row < 5; row++) {
      const values = Array.from(crop!.image.data.subarray(row * 5, row * 5 + 5));
      values.forEach((value, index) => expect(value).toBeCloseTo([0, 5, 10, 15, 20][index]!, 4));
    }
    // nearest rounds half up (Math.round, as TF.js): 0, 0.5→1, 1, 1.5→2, 2
    const [nearest] = cropPyramidImage(image, { levels: [1], cropSize: 5, padding: 'none', interpolation: 'nearest' });
    expect(Array.from(nearest!.image.data.subarray(0, 5))).toEqual([0, 10, 10, 20, 20]);
  });

  it('pads to a square with every border mode (hand-computed columns)', () => {
    // 2 wide × 4 high, one channel: rows [1 2], [3 4], [5 6], [7 8] → padded 4×4, one column each side.
    const image: PyramidRawImage = { data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), width: 2, height: 4, channels: 1 };
    const firstRow = (options: PyramidOptions): number[] => Array.from(padImage(image, options).data.subarray(0, 4));
    expect(firstRow({ borderMode: 'constant', padValue: 9 })).toEqual([9, 1, 2, 9]);
    expect(firstRow({ borderMode: 'replicate' })).toEqual([1, 1, 2, 2]);
    expect(firstRow({ borderMode: 'reflect' })).toEqual([1, 1, 2, 2]);
    expect(firstRow({ borderMode: 'reflect101' })).toEqual([2, 1, 2, 1]);
    expect(firstRow({ borderMode: 'wrap' })).toEqual([2, 1, 2, 1]);
    // The level-1 crop at the padded size is the padded image itself.
    const [whole] = cropPyramidImage(image, { levels: [1], cropSize: 4, borderMode: 'reflect101' });
    const padded = padImage(image, { borderMode: 'reflect101' }).data;
    whole!.image.data.forEach((value, index) => expect(value).toBeCloseTo(padded[index]!, 4));
    expect(padImage(image, { padding: 'none' }).width).toBe(2);
  });

  it('rejects malformed images', () => {
    expect(() => cropPyramidImage({ data: new Uint8Array(5), width: 2, height: 2, channels: 1 })).toThrow(
      /image.data has 5 values but width·height·channels = 2·2·1 = 4/,
    );
    expect(() => cropPyramidImage({ data: [1, 2] as never, width: 1, height: 2, channels: 1 })).toThrow(TypeError);
    expect(() => cropPyramidImage({ data: new Uint8Array(0), width: 0, height: 2, channels: 1 })).toThrow(
      /image.width/,
    );
  });
});

describe('cropPyramidTensor', () => {
  const cases: { width: number; height: number; options: PyramidOptions }[] = [
    { width: 13, height: 9, options: { levels: [1, 2, 5], cropSize: 7 } },
    { width: 9, height: 13, options: { levels: 'paper', cropSize: 6, borderMode: 'reflect101' } },
    { width: 11, height: 7, options: { levels: [1, 3], cropSize: 5, borderMode: 'reflect', interpolation: 'nearest' } },
    { width: 5, height: 12, options: { levels: [2, 4], cropSize: 9, borderMode: 'replicate' } },
    { width: 10, height: 3, options: { levels: [1, 2, 3], cropSize: 4, borderMode: 'wrap' } },
    { width: 15, height: 8, options: { levels: [1, 2], cropSize: 1, padding: 'none' } },
    { width: 17, height: 6, options: { levels: [1, 2], cropSize: 8, padValue: 127, interpolation: 'nearest' } },
  ];

  for (const { width, height, options } of cases) {
    it(`equals the per-image path exactly (${width}×${height}, ${JSON.stringify(options)})`, () => {
      const images = [testImage(width, height, 3, 1), testImage(width, height, 3, 2)];
      const input = toTensor(images);
      const crops = expectLeakFree(() => cropPyramidTensor(input, options));
      const perImage = images.map((image) => cropPyramidImage(image, options));
      const cropsPerImage = perImage[0]!.length;
      const size = perImage[0]![0]!.image.width;
      expect(crops.shape).toEqual([2 * cropsPerImage, size, size, 3]);
      const values = crops.dataSync();
      const cropLength = size * size * 3;
      perImage.forEach((imageCrops, imageIndex) => {
        imageCrops.forEach((crop, cropIndex) => {
          const offset = (imageIndex * cropsPerImage + cropIndex) * cropLength;
          expect(Array.from(values.subarray(offset, offset + cropLength))).toEqual(Array.from(crop.image.data));
        });
      });
      tf.dispose([input, crops]);
    });
  }

  it('covers every border mode on a very non-square image (padding larger than the image)', () => {
    const image = testImage(20, 3, 3, 5);
    const input = toTensor([image]);
    for (const borderMode of BORDER_MODES) {
      const options: PyramidOptions = { levels: [1, 4], cropSize: 6, borderMode };
      const crops = expectLeakFree(() => cropPyramidTensor(input, options));
      const expected = cropPyramidImage(image, options).flatMap((crop) => Array.from(crop.image.data));
      expect(Array.from(crops.dataSync())).toEqual(expected);
      crops.dispose();
    }
    input.dispose();
  });

  it('accepts int32 input and rejects tensors of the wrong rank', () => {
    const input = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
    const crops = cropPyramidTensor(input, { levels: [1], cropSize: 2 });
    Array.from(crops.dataSync()).forEach((value, index) => expect(value).toBeCloseTo([1, 2, 3, 4][index]!, 5));
    const bad = tf.zeros([2, 2, 3]);
    expect(() => cropPyramidTensor(bad as never)).toThrow(
      /images must be a rank-4 tensor \[N, H, W, C\], got \[2,2,3\]/,
    );
    tf.dispose([input, crops, bad]);
  });
});
