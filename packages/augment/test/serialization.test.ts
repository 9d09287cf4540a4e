import { describe, expect, it } from 'vitest';
import {
  CoarseDropout,
  Compose,
  HorizontalFlip,
  OneOf,
  Resize,
  TransformOptionError,
  createRng,
  fromAlbumentationsDict,
  registerTransform,
  toAlbumentationsDict,
} from '../src/index.js';
import { fixtureImage, loadPipelineJson, sameBytes } from './helpers.js';

const PIPELINES = ['b3-train', 'b3-valid', 'b3-test', 'v2m-train'];

describe('albumentations to_dict format', () => {
  for (const name of PIPELINES) {
    it(`${name}.json loads, runs, replays and serializes back to the identical JSON`, () => {
      const json = loadPipelineJson(name);
      const pipeline = fromAlbumentationsDict(json as never);
      expect(JSON.stringify(toAlbumentationsDict(pipeline))).toBe(JSON.stringify(json));
      const image = fixtureImage('b');
      for (let seed = 0; seed < 4; seed++) {
        const { image: out, params } = pipeline.apply(image, createRng(seed));
        expect(out.layout).toBe('CHW');
        expect(out.data).toBeInstanceOf(Float32Array);
        expect([out.channels, out.height, out.width]).toEqual([3, 300, 300]);
        expect(sameBytes(pipeline.replay(image, JSON.parse(JSON.stringify(params))).image.data, out.data)).toBe(true);
      }
    });
  }

  it('writes the albumentations keys, class names and defaults for a TS-built pipeline', () => {
    const pipeline = new Compose([
      new Resize({ height: 8, width: 9 }),
      new OneOf([new HorizontalFlip({ p: 1 }), new CoarseDropout({ maxHoles: 2 })], { p: 0.3 }),
    ]);
    expect(toAlbumentationsDict(pipeline)).toEqual({
      __version__: '1.3.1',
      transform: {
        __class_fullname__: 'Compose',
        p: 1,
        transforms: [
          { __class_fullname__: 'Resize', always_apply: false, p: 1, height: 8, width: 9, interpolation: 1 },
          {
            __class_fullname__: 'OneOf',
            p: 0.3,
            transforms: [
              { __class_fullname__: 'HorizontalFlip', always_apply: false, p: 1 },
              {
                __class_fullname__: 'CoarseDropout',
                always_apply: false,
                p: 0.5,
                max_holes: 2,
                max_height: 8,
                max_width: 8,
                min_holes: 2,
                min_height: 8,
                min_width: 8,
                fill_value: 0,
                mask_fill_value: null,
              },
            ],
          },
        ],
        bbox_params: null,
        keypoint_params: null,
        additional_targets: {},
        is_check_shapes: true,
      },
    });
  });

  it('accepts JSON text, bare transform dicts and old full class paths', () => {
    const bare = {
      __class_fullname__: 'albumentations.augmentations.geometric.transforms.HorizontalFlip',
      always_apply: false,
      p: 1,
    };
    expect(fromAlbumentationsDict(bare).toDict().__class_fullname__).toBe('HorizontalFlip');
    expect(fromAlbumentationsDict(JSON.stringify({ __version__: '1.3.1', transform: bare }))).toBeInstanceOf(
      HorizontalFlip,
    );
  });

  it('names the transform for unknown class names', () => {
    expect(() =>
      fromAlbumentationsDict({
        __version__: '1.3.1',
        transform: { __class_fullname__: 'Compose', p: 1, transforms: [{ __class_fullname__: 'Sharpen', p: 1 }] },
      }),
    ).toThrow(
      /Unknown transform "Sharpen"; registered transforms: Compose, OneOf, Blur, CLAHE.*\(at transform\.transforms\[0\]\)/,
    );
  });

  it('names the transform and the option for unknown or bad options', () => {
    expect(() =>
      fromAlbumentationsDict({ __class_fullname__: 'Resize', height: 3, width: 3, interpolaton: 1 }),
    ).toThrow(TransformOptionError);
    expect(() =>
      fromAlbumentationsDict({ __class_fullname__: 'Resize', height: 3, width: 3, interpolaton: 1 }),
    ).toThrow(/Resize: option "interpolaton" is not an option.*valid options: .*interpolation/);
    expect(() => fromAlbumentationsDict({ __class_fullname__: 'Resize', height: -3, width: 3 })).toThrow(
      /Resize: option "height" must be >= 1, got -3/,
    );
    expect(() =>
      fromAlbumentationsDict({ __class_fullname__: 'Resize', height: 3, width: 3, interpolation: 9 }),
    ).toThrow(
      /option "interpolation" must be one of 0 \(INTER_NEAREST\), 1 \(INTER_LINEAR\), 2 \(INTER_CUBIC\), 3 \(INTER_AREA\); got 9/,
    );
    expect(() => fromAlbumentationsDict({ __class_fullname__: 'CoarseDropout', max_holes: 2, min_holes: 5 })).toThrow(
      /CoarseDropout: option "minHoles" \(min_holes\) must be <= maxHoles/,
    );
    expect(() => fromAlbumentationsDict({ __class_fullname__: 'Rotate', border_mode: 7 })).toThrow(
      /Rotate: option "borderMode" \(border_mode\) must be one of .*BORDER_REFLECT_101/,
    );
    expect(() => fromAlbumentationsDict({ __class_fullname__: 'MotionBlur', blur_limit: [3, 8] })).toThrow(
      /MotionBlur: option "blurLimit" \(blur_limit\) must be odd/,
    );
    expect(() => fromAlbumentationsDict({ __class_fullname__: 'HorizontalFlip', p: 2 })).toThrow(
      /HorizontalFlip: option "p" must be <= 1, got 2/,
    );
    expect(() => new Resize({ height: 3, width: 3, size: 4 } as never)).toThrow(
      /Resize: option "size" is not an option/,
    );
    expect(() =>
      fromAlbumentationsDict({ __class_fullname__: 'Compose', p: 1, transforms: [], bbox_params: { format: 'cocoa' } }),
    ).toThrow(
      /Compose: option "bboxParams" \(bbox_params\) format must be one of pascal_voc, albumentations, coco, yolo, got "cocoa" \(at transform\)/,
    );
    expect(() => fromAlbumentationsDict('{not json')).toThrow(SyntaxError);
    expect(() => new Compose([], { probability: 1 } as never)).toThrow(
      /Compose: option "probability" is not an option; valid options: p, bboxParams/,
    );
    expect(() => new OneOf([new HorizontalFlip()], { p: 1.5 })).toThrow(/OneOf: option "p" must be <= 1/);
    expect(() => new Compose([{}] as never)).toThrow(/Compose: option "transforms" entry 0 is not a transform/);
  });

  it('rejects bad images and bad replay records clearly', () => {
    const flip = new HorizontalFlip({ p: 1 });
    expect(() => flip.apply({ data: new Uint8Array(5), width: 2, height: 1, channels: 3 }, createRng(1))).toThrow(
      /has 5 values but width\*height\*channels = 6/,
    );
    expect(() => flip.replay(fixtureImage('a'), { transform: 'VerticalFlip', applied: true, params: {} })).toThrow(
      /record is for "VerticalFlip", expected "HorizontalFlip"/,
    );
    expect(() =>
      new Compose([new Resize({ height: 2, width: 2 })]).replay(fixtureImage('a'), {
        transform: 'Compose',
        applied: true,
        params: null,
        transforms: [],
      }),
    ).toThrow(/0 records for 1 transforms|missing record|record 0/);
  });

  it('supports custom transforms through registerTransform', () => {
    registerTransform('Posterize', {
      albumentationsArgs: ['num_bits'],
      create: (options) => {
        expect(options).toEqual({ numBits: 4, p: 1 });
        return new HorizontalFlip({ p: 1 });
      },
    });
    expect(fromAlbumentationsDict({ __class_fullname__: 'Posterize', num_bits: 4, p: 1 })).toBeInstanceOf(
      HorizontalFlip,
    );
  });
});
