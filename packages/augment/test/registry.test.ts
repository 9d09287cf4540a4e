import { describe, expect, it } from 'vitest';
import {
  Compose,
  OneOf,
  TRANSFORM_CLASSES,
  createRng,
  createTransform,
  fromAlbumentationsDict,
  registeredTransforms,
  toAlbumentationsDict,
  type BaseTransform,
  type RawImage,
} from '../src/index.js';
import { sameBytes, syntheticImage } from './helpers.js';

/**
 * Options for every registered transform that are valid on a 1x1 image; `p: 1` so the transform
 * really runs. The test fails if a registered transform has no entry here.
 */
const EXAMPLE_OPTIONS: Record<string, Record<string, unknown>> = {
  Blur: { p: 1, blurLimit: [3, 9] },
  ChannelDropout: { p: 1, channelDropRange: [1, 2], fillValue: 9 },
  Equalize: { p: 1, mode: 'pil' },
  MedianBlur: { p: 1, blurLimit: [3, 9] },
  Posterize: { p: 1, numBits: [[0, 3], 5, [6, 8]] },
  RGBShift: { p: 1, rShiftLimit: 30 },
  RandomScale: { p: 1, scaleLimit: [0, 0.5], interpolation: 2 },
  RandomSizedCrop: { p: 1, minMaxHeight: [1, 1], height: 5, width: 4, w2hRatio: 1 },
  CLAHE: { p: 1, clipLimit: [1, 4], tileGridSize: [3, 2] },
  CenterCrop: { p: 1, height: 1, width: 1 },
  ChannelShuffle: { p: 1 },
  CoarseDropout: { p: 1, maxHoles: 3, maxHeight: 4, maxWidth: 2, minHoles: 1, minHeight: 1, minWidth: 1, fillValue: 7 },
  ColorJitter: { p: 1, brightness: 0.3, contrast: 0.3, saturation: 0.3, hue: 0.2 },
  Crop: { p: 1, xMin: 0, yMin: 0, xMax: 1, yMax: 1 },
  Flip: { p: 1 },
  GaussNoise: { p: 1, varLimit: [10, 50] },
  GaussianBlur: { p: 1, blurLimit: [3, 7], sigmaLimit: [0, 2] },
  HorizontalFlip: { p: 1 },
  HueSaturationValue: { p: 1 },
  InvertImg: { p: 1 },
  LongestMaxSize: { p: 1, maxSize: [7, 11] },
  MotionBlur: { p: 1 },
  NoOp: { p: 1 },
  Normalize: { p: 1 },
  OpticalDistortion: { p: 1, distortLimit: 0.5, shiftLimit: 2 },
  PadIfNeeded: { p: 1, minHeight: 9, minWidth: 6, position: 'random', borderMode: 0, value: [1, 2, 3] },
  RandomBrightnessContrast: { p: 1 },
  RandomCrop: { p: 1, height: 1, width: 1 },
  RandomGamma: { p: 1, gammaLimit: [70, 130] },
  RandomResizedCrop: { p: 1, height: 6, width: 5 },
  RandomRotate90: { p: 1 },
  Resize: { p: 1, height: 9, width: 4, interpolation: 2 },
  Rotate: { p: 1, limit: 170, borderMode: 3 },
  ShiftScaleRotate: { p: 1, borderMode: 2, interpolation: 0 },
  SmallestMaxSize: { p: 1, maxSize: 8, interpolation: 3 },
  Solarize: { p: 1, threshold: [60, 200] },
  ToFloat: { p: 1, maxValue: 255 },
  ToGray: { p: 1 },
  ToTensorV2: { p: 1 },
  Transpose: { p: 1 },
  VerticalFlip: { p: 1 },
};

const SIZES: [number, number][] = [
  [1, 1],
  [5, 3],
  [97, 131],
];

function sameImage(a: RawImage, b: RawImage): boolean {
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.channels === b.channels &&
    a.layout === b.layout &&
    sameBytes(a.data, b.data)
  );
}

describe('every registered transform', () => {
  it('has example options in this test', () => {
    expect(registeredTransforms().filter((name) => !(name in EXAMPLE_OPTIONS))).toEqual([]);
    expect(Object.keys(TRANSFORM_CLASSES).sort()).toEqual(registeredTransforms());
  });

  for (const name of registeredTransforms()) {
    describe(name, () => {
      const transform = createTransform(name, EXAMPLE_OPTIONS[name]);

      it('serializes to albumentations JSON and loads back to the same dict', () => {
        const dict = toAlbumentationsDict(transform);
        expect(dict.__version__).toBe('1.3.1');
        expect(dict.transform.__class_fullname__).toBe(name);
        const json = JSON.parse(JSON.stringify(dict));
        expect(toAlbumentationsDict(fromAlbumentationsDict(json))).toEqual(dict);
      });

      for (const [width, height] of SIZES) {
        it(`applies on ${width}x${height}, replays identically after a JSON round trip, never mutates input`, () => {
          const image = syntheticImage(width, height, 3, width * 31 + height);
          const before = image.data.slice();
          for (let seed = 0; seed < 3; seed++) {
            const result = transform.apply(image, createRng(seed));
            expect(result.params.applied).toBe(true);
            expect(result.image.width * result.image.height * result.image.channels).toBe(result.image.data.length);
            const loaded = fromAlbumentationsDict(JSON.parse(JSON.stringify(toAlbumentationsDict(transform))));
            const record = JSON.parse(JSON.stringify(result.params));
            const replayed = loaded.replay(image, record).image;
            expect(sameImage(replayed, result.image)).toBe(true);
            expect(sameBytes(image.data, before)).toBe(true);
          }
        });
      }
    });
  }

  it('geometric, blur, noise and dropout transforms also take float32 images and keep the dtype', () => {
    const floatImage: RawImage = {
      data: Float32Array.from(syntheticImage(9, 7).data, (value) => value / 255),
      width: 9,
      height: 7,
      channels: 3,
    };
    const floatReady = [
      'CenterCrop',
      'ChannelShuffle',
      'CoarseDropout',
      'Crop',
      'Flip',
      'GaussNoise',
      'HorizontalFlip',
      'InvertImg',
      'LongestMaxSize',
      'MotionBlur',
      'NoOp',
      'Normalize',
      'OpticalDistortion',
      'PadIfNeeded',
      'RandomCrop',
      'RandomGamma',
      'RandomResizedCrop',
      'RandomRotate90',
      'Resize',
      'Rotate',
      'ShiftScaleRotate',
      'SmallestMaxSize',
      'Solarize',
      'ToFloat',
      'ToTensorV2',
      'Transpose',
      'VerticalFlip',
    ];
    for (const name of floatReady) {
      const result = createTransform(name, EXAMPLE_OPTIONS[name]).apply(floatImage, createRng(4));
      expect(result.image.data, name).toBeInstanceOf(Float32Array);
      expect(result.image.data.every(Number.isFinite), name).toBe(true);
    }
    // uint8-only operations say so, like albumentations.
    expect(() => createTransform('CLAHE', EXAMPLE_OPTIONS.CLAHE).apply(floatImage, createRng(1))).toThrow(/uint8/);
  });

  it('also work inside Compose/OneOf with replay (all transforms, one pipeline per size)', () => {
    for (const [width, height] of SIZES) {
      const image = syntheticImage(width, height, 3, 99);
      const children: BaseTransform[] = registeredTransforms()
        .filter(
          (name) =>
            ![
              'ToTensorV2',
              'Normalize',
              'Resize',
              'LongestMaxSize',
              'SmallestMaxSize',
              'RandomResizedCrop',
              'PadIfNeeded',
            ].includes(name),
        )
        .map((name) => createTransform(name, { ...EXAMPLE_OPTIONS[name], p: 0.5 }));
      const pipeline = new Compose([
        new OneOf(children.slice(0, 6), { p: 0.9 }),
        ...children.slice(6),
        createTransform('Normalize'),
        createTransform('ToTensorV2'),
      ]);
      for (let seed = 0; seed < 5; seed++) {
        const result = pipeline.apply(image, createRng(seed));
        const loaded = fromAlbumentationsDict(JSON.stringify(toAlbumentationsDict(pipeline)));
        const replayed = loaded.replay(image, JSON.parse(JSON.stringify(result.params))).image;
        expect(result.image.layout).toBe('CHW');
        expect(sameImage(replayed, result.image)).toBe(true);
      }
    }
  });

  it('reject a CHW tensor in the fused Resize + crop and Normalize + ToTensorV2 paths', () => {
    const chw = createTransform('ToTensorV2').apply(syntheticImage(8, 6, 3, 5), createRng(1)).image;
    expect(chw.layout).toBe('CHW');
    const resizeCrop = new Compose([
      createTransform('Resize', { height: 12, width: 16 }),
      createTransform('RandomCrop', { height: 4, width: 4 }),
    ]);
    expect(() => resizeCrop.apply(chw, createRng(1))).toThrow(/Resize received a CHW tensor/);
    expect(() => resizeCrop.replay(chw, resizeCrop.apply(syntheticImage(8, 6, 3, 5), createRng(1)).params)).toThrow(
      /Resize received a CHW tensor/,
    );
    const normalizeTensor = new Compose([createTransform('Normalize'), createTransform('ToTensorV2')]);
    expect(() => normalizeTensor.apply(chw, createRng(1))).toThrow(/Normalize received a CHW tensor/);
    // The HWC image itself still goes through both fused paths.
    expect(resizeCrop.apply(syntheticImage(8, 6, 3, 5), createRng(1)).image.width).toBe(4);
  });
});
