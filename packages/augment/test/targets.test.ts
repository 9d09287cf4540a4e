import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CoarseDropout,
  Compose,
  Crop,
  HorizontalFlip,
  RandomCrop,
  Rotate,
  SomeOf,
  TransformOptionError,
  createRng,
  fma,
  fromAlbumentationsDict,
  toAlbumentationsDict,
  type RawImage,
  type TargetData,
  type TransformRecord,
} from '../src/index.js';
import { fixturesDirectory, syntheticImage } from './helpers.js';

// albumentations 1.3.1's ReplayCompose on masks, boxes and keypoints (scripts/make-targets-fixtures.py).
interface StoredArray {
  dtype: string;
  shape: number[];
  base64?: string;
  sha256?: string;
}
interface TargetCase {
  name: string;
  pipeline: Record<string, unknown>;
  record: TransformRecord;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}
const fixture = JSON.parse(
  gunzipSync(readFileSync(resolve(fixturesDirectory, 'targets', 'targets.json.gz'))).toString('utf8'),
) as { cases: TargetCase[] };

function isStoredArray(value: unknown): value is StoredArray {
  return typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value;
}

function toImage(stored: StoredArray): RawImage {
  const bytes = Buffer.from(stored.base64!, 'base64');
  const [height, width, channels = 1] = stored.shape as [number, number, number?];
  return { data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), width, height, channels };
}

function inputsOf(testCase: TargetCase): TargetData {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(testCase.inputs)) {
    if (isStoredArray(value)) data[key] = toImage(value);
    else if (key === 'masks') data[key] = (value as StoredArray[]).map(toImage);
    else data[key] = value;
  }
  return data as unknown as TargetData;
}

const digest = (image: RawImage): string =>
  createHash('sha256')
    .update(image.data as Uint8Array)
    .digest('hex');

/** Numbers within `tolerance` (relative), everything else equal. */
function close(actual: unknown, expected: unknown, tolerance: number): boolean {
  if (typeof actual === 'number' && typeof expected === 'number')
    return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
  if (Array.isArray(actual) && Array.isArray(expected))
    return actual.length === expected.length && actual.every((item, index) => close(item, expected[index], tolerance));
  return actual === expected;
}

describe('Compose with bboxParams / keypointParams / additionalTargets (albumentations 1.3.1 ReplayCompose)', () => {
  it.each(fixture.cases.map((testCase) => [testCase.name, testCase] as const))('%s', (_name, testCase) => {
    const pipeline = fromAlbumentationsDict(testCase.pipeline as never) as Compose;
    expect(toAlbumentationsDict(pipeline).transform).toEqual(testCase.pipeline);
    const { data } = pipeline.replayTargets(inputsOf(testCase), testCase.record);
    for (const [key, expected] of Object.entries(testCase.outputs)) {
      const actual = data[key];
      if (isStoredArray(expected)) {
        expect({
          key,
          shape: [(actual as RawImage).height, (actual as RawImage).width],
          sha: digest(actual as RawImage),
        }).toEqual({
          key,
          shape: expected.shape.slice(0, 2),
          sha: expected.sha256,
        });
      } else if (key === 'masks') {
        expect((actual as RawImage[]).map(digest)).toEqual((expected as StoredArray[]).map((mask) => mask.sha256));
      } else if (testCase.name.startsWith('rotations') && (key === 'bboxes' || key === 'bboxes2')) {
        // bbox_rotate: NumPy's SVML cos/sin (see UPSTREAM_TOLERANCES in src/parity/upstream.ts).
        expect(close(actual, expected, 1e-13), `${key}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`).toBe(
          true,
        );
      } else {
        expect({ key, value: actual }).toEqual({ key, value: expected });
      }
    }
  });

  it('samples as apply does: same RNG draws, same image, and the record replays', () => {
    const image = syntheticImage(40, 30, 3, 5);
    const pipeline = new Compose(
      [new RandomCrop({ height: 20, width: 24 }), new HorizontalFlip(), new Rotate({ limit: 20, p: 0.7 })],
      {
        bboxParams: { format: 'pascal_voc', labelFields: ['labels'] },
        keypointParams: { format: 'xy' },
      },
    );
    const input = { image, bboxes: [[5, 6, 30, 25]], labels: ['cat'], keypoints: [[12, 14]] };
    const withTargets = pipeline.applyToTargets(input, createRng(11));
    const imageOnly = pipeline.apply(image, createRng(11));
    expect(withTargets.params).toEqual(imageOnly.params);
    expect(digest(withTargets.data.image)).toBe(digest(imageOnly.image));
    const again = pipeline.replayTargets(input, withTargets.params);
    expect(again.data).toEqual(withTargets.data);
    expect(input.bboxes).toEqual([[5, 6, 30, 25]]); // inputs are not modified
  });

  it('drops boxes (and their labels) that leave the image or fall under minVisibility', () => {
    const image = syntheticImage(20, 10, 3, 2);
    const pipeline = new Compose([new Crop({ xMin: 0, yMin: 0, xMax: 10, yMax: 10 })], {
      bboxParams: { format: 'pascal_voc', labelFields: ['labels'], minVisibility: 0.5 },
      keypointParams: { format: 'xy', labelFields: ['names'] },
    });
    const input = {
      image,
      bboxes: [
        [2, 1, 6, 5],
        [8, 1, 16, 5],
        [4, 2, 14, 6],
      ],
      labels: ['a', 'b', 'c'],
      keypoints: [
        [3, 4],
        [12, 4],
      ],
      names: ['in', 'out'],
    };
    const { data } = pipeline.applyToTargets(input, createRng(0));
    expect(data.labels).toEqual(['a', 'c']);
    expect(data.bboxes).toEqual([
      [2, 1, 6, 5],
      [4, 2, 10, 6],
    ]);
    expect(data.names).toEqual(['in']);
    expect(data.keypoints).toEqual([[3, 4]]);
  });

  it('rejects bad params and bad data with one clear line', () => {
    const image = syntheticImage(8, 8);
    expect(() => new Compose([], { bboxParams: { format: 'voc' } as never })).toThrow(
      /Compose: option "bboxParams" \(bbox_params\) format must be one of pascal_voc, albumentations, coco, yolo, got "voc"/,
    );
    expect(() => new Compose([], { keypointParams: { format: 'xy', removeInvisble: true } as never })).toThrow(
      /"keypointParams" \(keypoint_params\) has no option "removeInvisble"/,
    );
    expect(() => new Compose([], { additionalTargets: { image2: 'picture' } as never })).toThrow(TransformOptionError);
    expect(() => new Compose([]).applyToTargets({ image, bboxes: [[1, 1, 2, 2, 0]] }, createRng(0))).toThrow(
      /"bboxParams" \(bbox_params\) must be given to transform "bboxes"/,
    );
    const boxes = new Compose([], { bboxParams: { format: 'pascal_voc' } });
    expect(() => boxes.applyToTargets({ image, bboxes: [[1, 1, 2, 2]] }, createRng(0))).toThrow(
      /bboxes: boxes need labels: give labelFields/,
    );
    expect(() => boxes.applyToTargets({ image, bboxes: [[3, 1, 2, 2, 'x']] }, createRng(0))).toThrow(
      /x_max is less than or equal to x_min/,
    );
    expect(() =>
      new Compose([], { bboxParams: { format: 'coco', labelFields: ['labels'] } }).applyToTargets(
        { image, bboxes: [] },
        createRng(0),
      ),
    ).toThrow(/label field "labels" is missing/);
    expect(() => new Compose([]).applyToTargets({ image, mask: syntheticImage(4, 8, 1) }, createRng(0))).toThrow(
      /height and width of image, mask and masks must be equal/,
    );
    expect(() =>
      fromAlbumentationsDict({
        __class_fullname__: 'Compose',
        p: 1,
        transforms: [],
        bbox_params: { format: 'coco', min_area: 'big' },
      }),
    ).toThrow(/minArea must be a number, got "big" \(at transform\)/);
  });

  it('CoarseDropout drops keypoints inside its holes (x1 <= x < x2), collapses duplicates, refuses boxes', () => {
    const dropout = new CoarseDropout({ p: 1 });
    const params = { holes: [[10, 10, 20, 20]] as [number, number, number, number][], rows: 50, cols: 50 };
    const kept = dropout.applyToKeypoints(
      [
        [10, 10, 0, 0],
        [20, 15, 0, 0],
        [15, 20, 0, 0],
        [19.5, 19.5, 0, 0],
        [20, 15, 0, 0],
      ],
      params as never,
    );
    expect(kept).toEqual([
      [20, 15, 0, 0],
      [15, 20, 0, 0],
    ]);
    expect(() => dropout.applyToBboxes([[0.1, 0.1, 0.2, 0.2]], params as never)).toThrow(
      /CoarseDropout does not transform bounding boxes/,
    );
  });

  it('fma rounds once', () => {
    expect(fma(0.1, 10, -1)).toBe(5.551115123125783e-17);
    expect(fma(1 + 2 ** -52, 1 - 2 ** -53, -1)).toBe(2 ** -53 - 2 ** -105);
    expect(fma(3, 4, 5)).toBe(17);
  });
});

describe('SomeOf (albumentations SomeOf(transforms, n, replace, p))', () => {
  const children = () => [
    new HorizontalFlip({ p: 1 }),
    new Rotate({ limit: 10, p: 0.5 }),
    new RandomCrop({ height: 4, width: 4, p: 1 }),
  ];

  it('runs n children drawn by p, without replacement when asked, and replays', () => {
    const image = syntheticImage(9, 7, 3, 3);
    const someOf = new SomeOf(children(), { n: 2, replace: false });
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const { image: out, params } = someOf.apply(image, createRng(seed));
      const chosen = (params.params as { chosen: number[] }).chosen;
      expect(chosen).toHaveLength(2);
      expect(new Set(chosen).size).toBe(2);
      seen.add(chosen.join(','));
      expect(params.transforms!.map((record) => record.applied)).toEqual([true, true]); // forced
      expect(someOf.replay(image, params).image).toEqual(out);
    }
    expect(seen.size).toBeGreaterThan(3);
    const withReplacement = new SomeOf(children(), { n: 5 });
    expect((withReplacement.apply(image, createRng(1)).params.params as { chosen: number[] }).chosen.length).toBe(5);
    expect(new SomeOf(children(), { n: 2, p: 0 }).apply(image, createRng(1)).params.applied).toBe(false);
  });

  it('loads and saves albumentations dicts, carries targets, and rejects an impossible n', () => {
    const dict = toAlbumentationsDict(new SomeOf(children(), { n: 2, replace: false, p: 0.7 }));
    expect(dict.transform).toMatchObject({ __class_fullname__: 'SomeOf', p: 0.7, n: 2, replace: false });
    expect(toAlbumentationsDict(fromAlbumentationsDict(dict))).toEqual(dict);
    const pipeline = new Compose([new SomeOf(children(), { n: 2 })], {
      keypointParams: { format: 'xy', removeInvisible: false },
    });
    const input = { image: syntheticImage(9, 7, 3, 3), keypoints: [[2, 3]] };
    const { data, params } = pipeline.applyToTargets(input, createRng(4));
    expect(pipeline.replayTargets(input, params).data).toEqual(data);
    expect(() => new SomeOf(children(), { n: 4, replace: false })).toThrow(
      /SomeOf: option "n" is 4, more than the 3 children/,
    );
  });
});
