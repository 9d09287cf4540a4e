/**
 * Blur, MedianBlur, ChannelDropout, Posterize, RGBShift, Equalize, RandomScale and RandomSizedCrop
 * (albumentations 1.3.1 semantics; pixels as OpenCV 4.6 / NumPy compute them).
 */
import type { ImageShape, RawImage } from '../core/raw-image.js';
import type { Rng } from '../core/rng.js';
import type { Range } from '../core/options.js';
import { SchemaTransform, type TargetShape } from '../core/transform.js';
import { bool, defineOptions, enumOf, number, option, range, type OptionSpec, type OptionsOf } from '../core/schema.js';
import type { BBox, BBoxCoords } from '../core/bbox-utils.js';
import type { InternalKeypoint, KeypointCoords } from '../core/keypoints-utils.js';
import { keypointScale } from '../functional/keypoints.js';
import { boxBlur, medianBlur } from '../functional/blur.js';
import { channelDropout, equalize, posterize, shiftRgb } from '../functional/pixel-extra.js';
import { Interpolation, type InterpolationValue } from '../functional/common.js';
import { randomCrop, resize } from '../functional/geometric.js';
import { OUTPUT_SIZE, interpolation } from './options.js';
import { sizedCropBbox, sizedCropKeypoint, type SizedCropParams } from './geometric.js';

interface KernelSizeParams {
  ksize: number;
}

function kernelSizes(limit: Range): number[] {
  const sizes: number[] = [];
  for (let size = limit[0]; size <= limit[1]; size += 2) sizes.push(size);
  return sizes;
}

/** Kernel size range; sizes `range(lo, hi + 1, 2)` are drawn. Default 7 → [3, 7]. `odd`: MedianBlur's rule. */
function kernelLimit(odd: boolean): OptionSpec<Range, number | Range> {
  return range(7, {
    low: 3,
    check: (limit) => {
      if (!limit.every(Number.isInteger) || limit[0] < 1)
        return `must be positive integers, got ${JSON.stringify(limit)}`;
      return odd && (limit[0] % 2 !== 1 || limit[1] % 2 !== 1)
        ? `must be odd, got ${JSON.stringify(limit)}`
        : undefined;
    },
  });
}

export type BlurOptions = OptionsOf<typeof Blur.schema>;

/**
 * Box blur with a random kernel size (`cv2.blur`; uint8 and float32 bit-exact with OpenCV 4.6).
 * @example
 * new Blur({ blurLimit: [3, 5], p: 1 });
 */
export class Blur extends SchemaTransform<KernelSizeParams> {
  static readonly schema = defineOptions({ p: 0.5 }, { blurLimit: kernelLimit(false) });
  readonly className: string = 'Blur';
  declare readonly blurLimit: Range;

  /** `name` and `schema` are MedianBlur's when it calls this (a Blur with odd kernels, as in albumentations). */
  constructor(options: BlurOptions = {}, name = 'Blur', schema: typeof Blur.schema = Blur.schema) {
    super(schema.read(name, options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): KernelSizeParams {
    return { ksize: rng.choice(kernelSizes(this.blurLimit)) };
  }

  applyWithParams(image: RawImage, params: KernelSizeParams): RawImage {
    return boxBlur(image, params.ksize);
  }
}

/**
 * Median blur with a random odd kernel size (`cv2.medianBlur`, borders replicated; float32 only
 * with kernel 3 or 5, as OpenCV).
 * @example
 * new MedianBlur({ blurLimit: 5, p: 1 });
 */
export class MedianBlur extends Blur {
  static override readonly schema = defineOptions({ p: 0.5 }, { blurLimit: kernelLimit(true) });
  override readonly className = 'MedianBlur';

  constructor(options: BlurOptions = {}) {
    super(options, 'MedianBlur', MedianBlur.schema);
  }

  override applyWithParams(image: RawImage, params: KernelSizeParams): RawImage {
    return medianBlur(image, params.ksize);
  }
}

interface ChannelDropoutParams {
  channels_to_drop: number[];
}

export type ChannelDropoutOptions = OptionsOf<typeof ChannelDropout.schema>;

/**
 * Sets `randint(min, max)` random channels (`random.sample`) to `fillValue`.
 * @example
 * new ChannelDropout({ channelDropRange: [1, 2], fillValue: 0 });
 */
export class ChannelDropout extends SchemaTransform<ChannelDropoutParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** How many channels to drop, [min, max]. Default [1, 1]. */
      channelDropRange: range([1, 1], {
        check: (range) =>
          1 <= range[0] && range.every(Number.isInteger)
            ? undefined
            : `must be integers with 1 <= min <= max, got ${JSON.stringify(range)}`,
      }),
      /** Value of the dropped channels. Default 0. */
      fillValue: number({ default: 0 }),
    },
  );
  readonly className = 'ChannelDropout';
  declare readonly channelDropRange: Range;
  declare readonly fillValue: number;

  constructor(options: ChannelDropoutOptions = {}) {
    super(ChannelDropout.schema.read('ChannelDropout', options));
  }

  protected getParams(shape: ImageShape, rng: Rng): ChannelDropoutParams {
    if (shape.channels === 1)
      throw new RangeError('ChannelDropout: the image has one channel; ChannelDropout is not defined for it');
    if (this.channelDropRange[1] >= shape.channels)
      throw new RangeError(
        `ChannelDropout: cannot drop all ${shape.channels} channels (channelDropRange ${JSON.stringify(this.channelDropRange)})`,
      );
    const count = rng.randint(this.channelDropRange[0], this.channelDropRange[1]);
    return { channels_to_drop: rng.sample([...Array(shape.channels).keys()], count) };
  }

  applyWithParams(image: RawImage, params: ChannelDropoutParams): RawImage {
    return channelDropout(image, params.channels_to_drop, this.fillValue);
  }
}

interface PosterizeParams {
  num_bits: number | number[];
}

/** Bits to keep: a number, a [min, max] range, or three of them (one per channel, a number v meaning [0, v]). */
type NumBits = number | Range | [number | Range, number | Range, number | Range];

export type PosterizeOptions = OptionsOf<typeof Posterize.schema>;

/**
 * Keeps `randint(min, max)` upper bits of each uint8 value (per channel when three ranges are given).
 * @example
 * new Posterize({ numBits: [3, 5] });
 */
export class Posterize extends SchemaTransform<PosterizeParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Bits to keep: a number, a [min, max] range, or three ranges (one per channel). Default 4. */
      numBits: option<Range | Range[], NumBits>((reader, name) => {
        const raw = reader.raw(name) ?? 4;
        const asRange = (value: unknown, low: number | undefined): Range => {
          if (typeof value === 'number')
            return low === undefined ? [value, value] : [Math.min(low, value), Math.max(low, value)];
          if (Array.isArray(value) && value.length === 2) return [value[0] as number, value[1] as number];
          return reader.fail(name, `must be a number, a [min, max] pair or three of them, got ${JSON.stringify(raw)}`);
        };
        // albumentations: three entries are per-channel (each number v meaning [0, v]); else one range.
        const numBits =
          Array.isArray(raw) && raw.length === 3 ? raw.map((entry) => asRange(entry, 0)) : asRange(raw, undefined);
        const ranges = (Array.isArray(numBits[0]) ? numBits : [numBits]) as Range[];
        if (
          ranges.some(
            (range) => !range.every((bits) => Number.isInteger(bits) && bits >= 0 && bits <= 8) || range[0] > range[1],
          )
        ) {
          reader.fail(name, `must be integers in [0, 8] with min <= max, got ${JSON.stringify(raw)}`);
        }
        return numBits;
      }),
    },
  );
  readonly className = 'Posterize';
  declare readonly numBits: Range | Range[];

  constructor(options: PosterizeOptions = {}) {
    super(Posterize.schema.read('Posterize', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): PosterizeParams {
    if (Array.isArray(this.numBits[0]))
      return { num_bits: (this.numBits as Range[]).map((range) => rng.randint(range[0], range[1])) };
    const range = this.numBits as Range;
    return { num_bits: rng.randint(range[0], range[1]) };
  }

  applyWithParams(image: RawImage, params: PosterizeParams): RawImage {
    return posterize(image, params.num_bits);
  }
}

interface RgbShiftParams {
  r_shift: number;
  g_shift: number;
  b_shift: number;
}

export type RGBShiftOptions = OptionsOf<typeof RGBShift.schema>;

/**
 * Adds `uniform(limit)` to each of R, G, B (drawn in that order).
 * @example
 * new RGBShift({ rShiftLimit: 15, gShiftLimit: 15, bShiftLimit: 15 });
 */
export class RGBShift extends SchemaTransform<RgbShiftParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Red shift range (uint8 units, or [0, 1] units for float32 images). Default 20 → [-20, 20]. */
      rShiftLimit: range(20),
      /** Green shift range. Default 20 → [-20, 20]. */
      gShiftLimit: range(20),
      /** Blue shift range. Default 20 → [-20, 20]. */
      bShiftLimit: range(20),
    },
  );
  readonly className = 'RGBShift';
  declare readonly rShiftLimit: Range;
  declare readonly gShiftLimit: Range;
  declare readonly bShiftLimit: Range;

  constructor(options: RGBShiftOptions = {}) {
    super(RGBShift.schema.read('RGBShift', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): RgbShiftParams {
    const r_shift = rng.uniform(this.rShiftLimit[0], this.rShiftLimit[1]);
    const g_shift = rng.uniform(this.gShiftLimit[0], this.gShiftLimit[1]);
    return { r_shift, g_shift, b_shift: rng.uniform(this.bShiftLimit[0], this.bShiftLimit[1]) };
  }

  applyWithParams(image: RawImage, params: RgbShiftParams): RawImage {
    return shiftRgb(image, params.r_shift, params.g_shift, params.b_shift);
  }
}

export type EqualizeOptions = OptionsOf<typeof Equalize.schema>;

/**
 * Histogram equalisation of each channel of a uint8 image.
 * @example
 * new Equalize({ mode: 'cv', p: 1 });
 */
export class Equalize extends SchemaTransform<Record<string, never>> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** `'cv'` (`cv2.equalizeHist`) or `'pil'` (PIL's `ImageOps.equalize`). Default 'cv'. */
      mode: enumOf(['cv', 'pil'] as const, 'cv'),
      /** Equalise each channel. Only true is supported (false equalises the Y of YCrCb in albumentations). Default true. */
      byChannels: bool(true, {
        check: (byChannels) =>
          byChannels ? undefined : 'false (equalising the Y of YCrCb) is not supported here; use true',
      }),
    },
  );
  readonly className = 'Equalize';
  declare readonly mode: 'cv' | 'pil';
  declare readonly byChannels: boolean;

  constructor(options: EqualizeOptions = {}) {
    super(Equalize.schema.read('Equalize', options));
  }

  protected getParams(): Record<string, never> {
    return {};
  }

  applyWithParams(image: RawImage): RawImage {
    return equalize(image, this.mode);
  }
}

interface RandomScaleParams {
  scale: number;
}

export type RandomScaleOptions = OptionsOf<typeof RandomScale.schema>;

/**
 * Resizes by `scale = uniform(1 + scaleLimit)`: `int(H * scale) x int(W * scale)` (albumentations
 * `RandomScale`); masks use nearest neighbour, boxes are unchanged, keypoints scale.
 * @example
 * new RandomScale({ scaleLimit: 0.2, p: 1 });
 */
export class RandomScale extends SchemaTransform<RandomScaleParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Scale range as a deviation from 1 (0.1 → [0.9, 1.1]); the field holds it with the +1 bias applied. Default 0.1. */
      scaleLimit: range(0.1, { bias: 1 }),
      interpolation: interpolation(),
    },
  );
  readonly className = 'RandomScale';
  /** With the +1 bias applied (e.g. [0.9, 1.1]). */
  declare readonly scaleLimit: Range;
  declare readonly interpolation: InterpolationValue;

  constructor(options: RandomScaleOptions = {}) {
    super(RandomScale.schema.read('RandomScale', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): RandomScaleParams {
    return { scale: rng.uniform(this.scaleLimit[0], this.scaleLimit[1]) };
  }

  private scaled(image: RawImage, scale: number, interpolation: InterpolationValue): RawImage {
    return resize(image, Math.trunc(image.height * scale), Math.trunc(image.width * scale), interpolation);
  }

  applyWithParams(image: RawImage, params: RandomScaleParams): RawImage {
    return this.scaled(image, params.scale, this.interpolation);
  }

  override applyToMask(mask: RawImage, params: RandomScaleParams): RawImage {
    return this.scaled(mask, params.scale, Interpolation.NEAREST);
  }

  override outputShape(shape: ImageShape, params: RandomScaleParams): ImageShape {
    return {
      width: Math.trunc(shape.width * params.scale),
      height: Math.trunc(shape.height * params.scale),
      channels: shape.channels,
    };
  }

  override applyToBbox(bbox: BBox): BBoxCoords {
    return [bbox[0], bbox[1], bbox[2], bbox[3]]; // normalised coordinates do not change
  }

  override applyToKeypoint(keypoint: InternalKeypoint, params: RandomScaleParams & TargetShape): KeypointCoords {
    return keypointScale(keypoint, params.scale, params.scale);
  }
}

export type RandomSizedCropOptions = OptionsOf<typeof RandomSizedCrop.schema>;

/**
 * albumentations `RandomSizedCrop` (p defaults to 1): `crop_height = randint(minMaxHeight)`,
 * `crop_width = int(crop_height * w2hRatio)`, a random window as `RandomCrop`, resized to
 * `height x width`; boxes cropped, keypoints cropped and scaled.
 * @example
 * new RandomSizedCrop({ minMaxHeight: [40, 60], height: 64, width: 64 });
 */
export class RandomSizedCrop extends SchemaTransform<SizedCropParams> {
  static readonly schema = defineOptions(
    { p: 1 },
    {
      /** Crop height range [min, max] (inclusive). Required (the read fails without it; the cast marks it so in the options type). */
      minMaxHeight: option<Range>((reader, name) => {
        const raw = reader.raw(name) as number[];
        if (
          !Array.isArray(raw) ||
          raw.length !== 2 ||
          !raw.every((value) => Number.isInteger(value) && value >= 1) ||
          raw[0]! > raw[1]!
        ) {
          reader.fail(name, `must be [min, max] positive integers with min <= max, got ${JSON.stringify(raw)}`);
        }
        return [raw[0]!, raw[1]!];
      }) as unknown as OptionSpec<Range, Range, true>,
      /** Output size. Required. */
      ...OUTPUT_SIZE,
      /** Crop width = `int(crop_height * w2hRatio)`. Default 1. */
      w2hRatio: number({ default: 1, min: 0, exclusive: true }),
      interpolation: interpolation(),
    },
  );
  readonly className = 'RandomSizedCrop';
  declare readonly minMaxHeight: Range;
  declare readonly height: number;
  declare readonly width: number;
  declare readonly w2hRatio: number;
  declare readonly interpolation: InterpolationValue;

  constructor(options: RandomSizedCropOptions) {
    super(RandomSizedCrop.schema.read('RandomSizedCrop', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): SizedCropParams {
    const cropHeight = rng.randint(this.minMaxHeight[0], this.minMaxHeight[1]);
    const h_start = rng.random();
    const w_start = rng.random();
    return { h_start, w_start, crop_height: cropHeight, crop_width: Math.trunc(cropHeight * this.w2hRatio) };
  }

  private cropAndResize(image: RawImage, params: SizedCropParams, interpolation: InterpolationValue): RawImage {
    return resize(
      randomCrop(image, params.crop_height, params.crop_width, params.h_start, params.w_start),
      this.height,
      this.width,
      interpolation,
    );
  }

  applyWithParams(image: RawImage, params: SizedCropParams): RawImage {
    return this.cropAndResize(image, params, this.interpolation);
  }

  override applyToMask(mask: RawImage, params: SizedCropParams): RawImage {
    return this.cropAndResize(mask, params, Interpolation.NEAREST);
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: this.width, height: this.height, channels: shape.channels };
  }

  override applyToBbox(bbox: BBox, params: SizedCropParams & TargetShape): BBoxCoords {
    return sizedCropBbox(bbox, params);
  }

  override applyToKeypoint(keypoint: InternalKeypoint, params: SizedCropParams & TargetShape): KeypointCoords {
    return sizedCropKeypoint(keypoint, params, this.height, this.width);
  }
}
