/**
 * The option schemas (core/schema.ts): every registered transform's albumentations argument list is
 * the one albumentations 1.3.1 reads (frozen below: the order is `to_dict`'s key order and the
 * positional order the upstream replay uses), and the schema helpers behave as documented.
 */
import { describe, expect, it } from 'vitest';
import {
  ImageOnlyTransform,
  OMIT,
  SchemaTransform,
  TRANSFORM_CLASSES,
  TransformOptionError,
  createTransform,
  defineOptions,
  fromAlbumentationsDict,
  int,
  number,
  option,
  range,
  readOptions,
  registerTransform,
  toAlbumentationsDict,
  type OptionGetter,
  type OptionsOf,
  type Range,
  type RawImage,
} from '../src/index.js';

/** albumentations' argument names per transform (besides p and always_apply), as they were written by hand before the schemas. */
const ALBUMENTATIONS_ARGS: Record<string, string[]> = {
  Blur: ['blur_limit'],
  ChannelDropout: ['channel_drop_range', 'fill_value'],
  Equalize: ['mode', 'by_channels'],
  MedianBlur: ['blur_limit'],
  Posterize: ['num_bits'],
  RGBShift: ['r_shift_limit', 'g_shift_limit', 'b_shift_limit'],
  RandomScale: ['scale_limit', 'interpolation'],
  RandomSizedCrop: ['min_max_height', 'height', 'width', 'w2h_ratio', 'interpolation'],
  CLAHE: ['clip_limit', 'tile_grid_size'],
  CenterCrop: ['height', 'width'],
  CoarseDropout: [
    'max_holes',
    'max_height',
    'max_width',
    'min_holes',
    'min_height',
    'min_width',
    'fill_value',
    'mask_fill_value',
  ],
  ColorJitter: ['brightness', 'contrast', 'saturation', 'hue'],
  Crop: ['x_min', 'y_min', 'x_max', 'y_max'],
  GaussNoise: ['var_limit', 'per_channel', 'mean'],
  GaussianBlur: ['blur_limit', 'sigma_limit'],
  HueSaturationValue: ['hue_shift_limit', 'sat_shift_limit', 'val_shift_limit'],
  LongestMaxSize: ['max_size', 'interpolation'],
  MotionBlur: ['blur_limit', 'allow_shifted'],
  Normalize: ['mean', 'std', 'max_pixel_value'],
  OpticalDistortion: ['distort_limit', 'shift_limit', 'interpolation', 'border_mode', 'value', 'mask_value'],
  PadIfNeeded: [
    'min_height',
    'min_width',
    'pad_height_divisor',
    'pad_width_divisor',
    'position',
    'border_mode',
    'value',
    'mask_value',
  ],
  RandomBrightnessContrast: ['brightness_limit', 'contrast_limit', 'brightness_by_max'],
  RandomCrop: ['height', 'width'],
  RandomGamma: ['gamma_limit', 'eps'],
  RandomResizedCrop: ['height', 'width', 'scale', 'ratio', 'interpolation'],
  Resize: ['height', 'width', 'interpolation'],
  Rotate: ['limit', 'interpolation', 'border_mode', 'value', 'mask_value', 'rotate_method', 'crop_border'],
  ShiftScaleRotate: [
    'shift_limit_x',
    'shift_limit_y',
    'scale_limit',
    'rotate_limit',
    'interpolation',
    'border_mode',
    'value',
    'mask_value',
    'rotate_method',
    'shift_limit',
  ],
  SmallestMaxSize: ['max_size', 'interpolation'],
  Solarize: ['threshold'],
  ToFloat: ['max_value'],
  ToTensorV2: ['transpose_mask'],
};

/** A transform declared with every kind of schema entry the helpers offer. */
class Probe extends SchemaTransform {
  static readonly schema = defineOptions(
    { p: 0.25 },
    {
      size: int({ min: 1 }),
      low: int({ default: 0, min: 0 }),
      high: int({
        default: (get: OptionGetter) => (get('low') as number) + 10,
        min: (get: OptionGetter) => (get('low') as number) + 1,
      }),
      scale: range(0.1, { bias: 1 }),
      ratio: number({ default: null, min: 0, exclusive: true }),
      hidden: option<string>((reader, name) => String(reader.raw(name) ?? 'x'), { toDict: () => OMIT }),
    },
    ({ size, high }, fail) => {
      if (size > high) fail('size', `must be <= high (${high}), got ${size}`);
    },
  );
  readonly className = 'Probe';
  declare readonly size: number;
  declare readonly low: number;
  declare readonly high: number;
  declare readonly scale: Range;
  declare readonly ratio: number | null;
  declare readonly hidden: string;
  constructor(options: OptionsOf<typeof Probe.schema>) {
    super(Probe.schema.read('Probe', options));
  }
  protected getParams(): Record<string, never> {
    return {};
  }
  applyWithParams(image: RawImage): RawImage {
    return image;
  }
}

describe('option schemas', () => {
  it('give every built-in transform the albumentations argument list it had', () => {
    for (const [name, transformClass] of Object.entries(TRANSFORM_CLASSES)) {
      expect([...transformClass.albumentationsArgs], name).toEqual(ALBUMENTATIONS_ARGS[name] ?? []);
    }
  });

  it('write to_dict keys in that order (ShiftScaleRotate leaves shift_limit out, as albumentations)', () => {
    for (const name of Object.keys(TRANSFORM_CLASSES)) {
      const options = ['Resize', 'RandomCrop', 'CenterCrop', 'RandomResizedCrop'].includes(name)
        ? { height: 2, width: 2 }
        : name === 'RandomSizedCrop'
          ? { minMaxHeight: [1, 2], height: 2, width: 2 }
          : {};
      const keys = Object.keys(toAlbumentationsDict(createTransform(name, options)).transform);
      const expected = ['__class_fullname__', 'always_apply', 'p', ...(ALBUMENTATIONS_ARGS[name] ?? [])];
      expect(keys, name).toEqual(
        name === 'ShiftScaleRotate'
          ? expected.filter((key) => key !== 'shift_limit')
          : name === 'PadIfNeeded'
            ? expected.filter((key) => key !== 'position')
            : expected,
      );
    }
    expect(toAlbumentationsDict(createTransform('PadIfNeeded', { position: 'random' })).transform).toHaveProperty(
      'position',
      'random',
    );
  });

  it('read options into fields: required, defaults, defaults from other options, bias, null', () => {
    const probe = new Probe({ size: 3, low: 2, scale: 0.2 });
    expect([probe.p, probe.alwaysApply, probe.size, probe.low, probe.high, probe.ratio, probe.hidden]).toEqual([
      0.25,
      false,
      3,
      2,
      12,
      null,
      'x',
    ]);
    expect(probe.scale[0]).toBeCloseTo(0.8, 12);
    expect(Probe.albumentationsArgs).toEqual(['size', 'low', 'high', 'scale', 'ratio', 'hidden']);
    const dict = probe.toDict();
    expect(Object.keys(dict)).toEqual([
      '__class_fullname__',
      'always_apply',
      'p',
      'size',
      'low',
      'high',
      'scale',
      'ratio',
    ]);
    expect((dict.scale as number[])[0]).toBeCloseTo(-0.2, 12);
  });

  it('fail with one line naming the transform and the option', () => {
    const fails = (options: object, message: string) => {
      expect(() => new Probe(options as never)).toThrow(TransformOptionError);
      expect(() => new Probe(options as never)).toThrow(message);
    };
    fails({}, 'Probe: option "size" is required');
    fails({ size: 1.5 }, 'Probe: option "size" must be an integer, got 1.5');
    fails({ size: 1, low: 5, high: 5 }, 'Probe: option "high" must be >= 6, got 5');
    fails({ size: 20 }, 'Probe: option "size" must be <= high (10), got 20');
    fails({ size: 1, ratio: 0 }, 'Probe: option "ratio" must be > 0, got 0');
    fails(
      { size: 1, sise: 2 },
      'Probe: option "sise" is not an option; valid options: size (size), low (low), high (high), scale (scale), ' +
        'ratio (ratio), hidden (hidden), p (p), alwaysApply (always_apply)',
    );
    fails({ size: 1, p: 2 }, 'Probe: option "p" must be <= 1, got 2');
  });

  it('refuse a default that depends on itself (a mistake in the schema, not in the options)', () => {
    const loop = defineOptions(
      { p: 1 },
      {
        a: int({ default: (get: OptionGetter) => get('b') as number }),
        b: int({ default: (get: OptionGetter) => get('a') as number }),
      },
    );
    expect(() => loop.read('Loop', {})).toThrow('Loop: the option schema cannot read "a" here');
  });

  it('load through fromAlbumentationsDict with the derived snake_case names', () => {
    registerTransform('Probe', {
      albumentationsArgs: Probe.albumentationsArgs,
      create: (options) => new Probe(options as never),
    });
    const loaded = fromAlbumentationsDict({
      __class_fullname__: 'Probe',
      size: 4,
      high: 9,
      scale: [-0.5, 0.5],
      p: 1,
    }) as Probe;
    expect([loaded.size, loaded.high, loaded.scale, loaded.p]).toEqual([4, 9, [0.5, 1.5], 1]);
    expect(() => fromAlbumentationsDict({ __class_fullname__: 'Probe', size: 4, sise: 1 })).toThrow(
      /Probe: option "sise" is not an option \(at transform\); valid options: p, always_apply, size, low, high, scale, ratio, hidden/,
    );
  });

  it('leave the older form (readOptions + initArgs) working', () => {
    class Legacy extends ImageOnlyTransform {
      static readonly albumentationsArgs = ['radius'] as const;
      readonly className = 'Legacy';
      readonly radius: number;
      constructor(options: { radius?: number; p?: number } = {}) {
        const reader = readOptions('Legacy', options, ['radius']);
        super({ p: 0.5 }, reader);
        this.radius = reader.integer('radius', 3, { min: 1 });
      }
      protected getParams(): Record<string, never> {
        return {};
      }
      applyWithParams(image: RawImage): RawImage {
        return image;
      }
      protected initArgs() {
        return { radius: this.radius };
      }
    }
    expect(new Legacy({ radius: 4 }).toDict()).toEqual({
      __class_fullname__: 'Legacy',
      always_apply: false,
      p: 0.5,
      radius: 4,
    });
    expect(() => new Legacy({ radius: 0 })).toThrow('Legacy: option "radius" must be >= 1, got 0');
  });
});
