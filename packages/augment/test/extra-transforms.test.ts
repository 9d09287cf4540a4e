import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Blur,
  ChannelDropout,
  Equalize,
  MedianBlur,
  Posterize,
  RGBShift,
  RandomScale,
  boxBlur,
  channelDropout,
  createRng,
  equalize,
  fromAlbumentationsDict,
  medianBlur,
  posterize,
  shiftRgb,
  toAlbumentationsDict,
  type RawImage,
} from '../src/index.js';
import { fixturesDirectory, syntheticImage } from './helpers.js';

// cv2.blur / cv2.medianBlur and albumentations 1.3.1's functions (scripts/make-filter-fixtures.py).
interface FilterCase {
  op: 'boxBlur' | 'medianBlur' | 'posterize' | 'equalize' | 'shiftRgb' | 'channelDropout';
  input: number;
  args: unknown[];
  sha256: string;
}
const fixture = JSON.parse(
  gunzipSync(readFileSync(resolve(fixturesDirectory, 'filters', 'filters.json.gz'))).toString('utf8'),
) as {
  inputs: { dtype: string; shape: number[]; base64: string }[];
  cases: FilterCase[];
};
const inputs: RawImage[] = fixture.inputs.map(({ dtype, shape, base64 }) => {
  const bytes = Buffer.from(base64, 'base64');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return {
    data: dtype === 'uint8' ? new Uint8Array(buffer) : new Float32Array(buffer),
    height: shape[0]!,
    width: shape[1]!,
    channels: shape[2]!,
  };
});

const run = (testCase: FilterCase, image: RawImage): RawImage => {
  const a = testCase.args as never[];
  switch (testCase.op) {
    case 'boxBlur':
      return boxBlur(image, a[0]!);
    case 'medianBlur':
      return medianBlur(image, a[0]!);
    case 'posterize':
      return posterize(image, a[0]!);
    case 'equalize':
      return equalize(image, a[0]!);
    case 'shiftRgb':
      return shiftRgb(image, a[0]!, a[1]!, a[2]!);
    case 'channelDropout':
      return channelDropout(image, a[0]!, a[1]!);
  }
};

describe('Blur, MedianBlur, Posterize, RGBShift, Equalize, ChannelDropout, RandomScale', () => {
  it.each(
    fixture.cases.map(
      (testCase, index) =>
        [`${testCase.op}(${JSON.stringify(testCase.args)}) on input ${testCase.input} #${index}`, testCase] as const,
    ),
  )('%s matches OpenCV / albumentations bit for bit', (_name, testCase) => {
    const image = inputs[testCase.input]!;
    const out = run(testCase, image);
    expect(
      createHash('sha256')
        .update(out.data as Uint8Array)
        .digest('hex'),
    ).toBe(testCase.sha256);
    expect(out.data.constructor).toBe(image.data.constructor);
  });

  it('round-trips albumentations dicts and samples within the limits', () => {
    const transforms = [
      new Blur({ blurLimit: [3, 5], p: 1 }),
      new MedianBlur({ blurLimit: 5, p: 1 }),
      new ChannelDropout({ channelDropRange: [1, 2], fillValue: 3, p: 1 }),
      new Posterize({ numBits: [[1, 2], 4, [5, 8]], p: 1 }),
      new RGBShift({ rShiftLimit: 10, gShiftLimit: [0, 5], bShiftLimit: 0, p: 1 }),
      new Equalize({ mode: 'pil', p: 1 }),
      new RandomScale({ scaleLimit: 0.5, p: 1 }),
    ];
    const image = syntheticImage(12, 10, 3, 4);
    for (const transform of transforms) {
      const dict = toAlbumentationsDict(transform);
      expect(toAlbumentationsDict(fromAlbumentationsDict(dict))).toEqual(dict);
      for (let seed = 0; seed < 20; seed++) {
        const { image: out, params } = transform.apply(image, createRng(seed));
        const p = params.params as Record<string, number & number[]>;
        if (transform instanceof MedianBlur) expect([3, 5]).toContain(p.ksize);
        else if (transform instanceof Blur) expect([3, 5]).toContain(p.ksize);
        if (transform instanceof ChannelDropout) expect(p.channels_to_drop.length).toBeGreaterThanOrEqual(1);
        if (transform instanceof RGBShift) expect(p.b_shift).toBe(0);
        if (transform instanceof RandomScale) {
          expect(p.scale).toBeGreaterThanOrEqual(0.5);
          expect(out.width).toBe(Math.trunc(12 * p.scale));
        }
      }
    }
    expect(toAlbumentationsDict(new RandomScale()).transform).toEqual({
      __class_fullname__: 'RandomScale',
      always_apply: false,
      p: 0.5,
      interpolation: 1,
      scale_limit: [-0.09999999999999998, 0.10000000000000009],
    });
  });

  it('moves keypoints with RandomScale and keeps boxes', () => {
    const scale = new RandomScale({ p: 1 });
    expect(scale.applyToKeypoint([10, 4, 0.5, 2], { scale: 1.5, rows: 10, cols: 20 })).toEqual([15, 6, 0.5, 3]);
    expect(scale.applyToBboxes([[0.1, 0.2, 0.3, 0.4, 'box']], { scale: 1.5, rows: 10, cols: 20 })).toEqual([
      [0.1, 0.2, 0.3, 0.4, 'box'],
    ]);
  });

  it('rejects what albumentations rejects, with one line', () => {
    expect(() => new MedianBlur({ blurLimit: [3, 6] })).toThrow(
      /MedianBlur: option "blurLimit" \(blur_limit\) must be odd/,
    );
    expect(() => new Posterize({ numBits: 9 })).toThrow(
      /Posterize: option "numBits" \(num_bits\) must be integers in \[0, 8\]/,
    );
    expect(() => new Equalize({ byChannels: false })).toThrow(
      /Equalize: option "byChannels" \(by_channels\) false .* is not supported/,
    );
    expect(() => new ChannelDropout({ channelDropRange: [0, 1] })).toThrow(/ChannelDropout: option "channelDropRange"/);
    expect(() =>
      new ChannelDropout({ channelDropRange: [3, 3], p: 1 }).apply(syntheticImage(4, 4), createRng(0)),
    ).toThrow(/cannot drop all 3 channels/);
    expect(() => medianBlur(inputs[1]!, 7)).toThrow(/float32 image takes ksize 3 or 5 only/);
    expect(() => posterize(inputs[1]!, 4)).toThrow(/posterize: needs a uint8 image/);
  });
});
