/**
 * Blur, MedianBlur, ChannelDropout, Posterize, RGBShift, Equalize, RandomScale and RandomSizedCrop
 * (albumentations 1.3.1 semantics; pixels as OpenCV 4.6 / NumPy compute them).
 */
import type { ImageShape, RawImage } from '../core/raw-image.js';
import type { Rng } from '../core/rng.js';
import type { Range } from '../core/options.js';
import { ImageOnlyTransform, readOptions, type TargetShape, type TransformOptions } from '../core/transform.js';
import { bboxRandomCrop, type BBox, type BBoxCoords } from '../functional/bbox.js';
import { keypointRandomCrop, keypointScale, type InternalKeypoint, type KeypointCoords } from '../functional/keypoints.js';
import { boxBlur, medianBlur } from '../functional/box-median.js';
import { channelDropout, equalize, posterize, shiftRgb } from '../functional/pixel-extra.js';
import { INTERPOLATIONS, INTERPOLATION_NAMES, Interpolation, type InterpolationValue } from '../functional/common.js';
import { randomCrop, resize } from '../functional/geometric.js';

interface KernelSizeParams {
  ksize: number;
}

export interface BlurOptions extends TransformOptions {
  /** Kernel size range; sizes `range(lo, hi + 1, 2)` are drawn. Default 7 → [3, 7]. */
  blurLimit?: number | Range;
}

function kernelSizes(limit: Range): number[] {
  const sizes: number[] = [];
  for (let size = limit[0]; size <= limit[1]; size += 2) sizes.push(size);
  return sizes;
}

/**
 * Box blur with a random kernel size (`cv2.blur`; uint8 and float32 bit-exact with OpenCV 4.6).
 * @example
 * new Blur({ blurLimit: [3, 5], p: 1 });
 */
export class Blur extends ImageOnlyTransform<KernelSizeParams> {
  static readonly albumentationsArgs = ['blur_limit'] as const;
  readonly className: string = 'Blur';
  readonly blurLimit: Range;

  constructor(options: BlurOptions = {}, name = 'Blur') {
    const reader = readOptions(name, options, ['blurLimit']);
    super({ p: 0.5 }, reader);
    this.blurLimit = reader.range('blurLimit', 7, { low: 3 });
    if (!this.blurLimit.every(Number.isInteger) || this.blurLimit[0] < 1) reader.fail('blurLimit', `must be positive integers, got ${JSON.stringify(this.blurLimit)}`);
  }

  protected getParams(_shape: ImageShape, rng: Rng): KernelSizeParams {
    return { ksize: rng.choice(kernelSizes(this.blurLimit)) };
  }

  applyWithParams(image: RawImage, params: KernelSizeParams): RawImage {
    return boxBlur(image, params.ksize);
  }

  protected initArgs(): Record<string, unknown> {
    return { blur_limit: this.blurLimit };
  }
}

/**
 * Median blur with a random odd kernel size (`cv2.medianBlur`, borders replicated; float32 only
 * with kernel 3 or 5, as OpenCV).
 * @example
 * new MedianBlur({ blurLimit: 5, p: 1 });
 */
export class MedianBlur extends Blur {
  static override readonly albumentationsArgs = ['blur_limit'] as const;
  override readonly className = 'MedianBlur';

  constructor(options: BlurOptions = {}) {
    super(options, 'MedianBlur');
    if (this.blurLimit[0] % 2 !== 1 || this.blurLimit[1] % 2 !== 1) {
      readOptions('MedianBlur', options, ['blurLimit']).fail('blurLimit', `must be odd, got ${JSON.stringify(this.blurLimit)}`);
    }
  }

  override applyWithParams(image: RawImage, params: KernelSizeParams): RawImage {
    return medianBlur(image, params.ksize);
  }
}

interface ChannelDropoutParams {
  channels_to_drop: number[];
}

export interface ChannelDropoutOptions extends TransformOptions {
  /** How many channels to drop, [min, max]. Default [1, 1]. */
  channelDropRange?: Range;
  /** Value of the dropped channels. Default 0. */
  fillValue?: number;
}

/**
 * Sets `randint(min, max)` random channels (`random.sample`) to `fillValue`.
 * @example
 * new ChannelDropout({ channelDropRange: [1, 2], fillValue: 0 });
 */
export class ChannelDropout extends ImageOnlyTransform<ChannelDropoutParams> {
  static readonly albumentationsArgs = ['channel_drop_range', 'fill_value'] as const;
  readonly className = 'ChannelDropout';
  readonly channelDropRange: Range;
  readonly fillValue: number;

  constructor(options: ChannelDropoutOptions = {}) {
    const reader = readOptions('ChannelDropout', options, ['channelDropRange', 'fillValue']);
    super({ p: 0.5 }, reader);
    this.channelDropRange = reader.range('channelDropRange', [1, 1]);
    if (!(1 <= this.channelDropRange[0]) || !this.channelDropRange.every(Number.isInteger)) {
      reader.fail('channelDropRange', `must be integers with 1 <= min <= max, got ${JSON.stringify(this.channelDropRange)}`);
    }
    this.fillValue = reader.number('fillValue', 0);
  }

  protected getParams(shape: ImageShape, rng: Rng): ChannelDropoutParams {
    if (shape.channels === 1) throw new RangeError('ChannelDropout: the image has one channel; ChannelDropout is not defined for it');
    if (this.channelDropRange[1] >= shape.channels) throw new RangeError(`ChannelDropout: cannot drop all ${shape.channels} channels (channelDropRange ${JSON.stringify(this.channelDropRange)})`);
    const count = rng.randint(this.channelDropRange[0], this.channelDropRange[1]);
    return { channels_to_drop: rng.sample([...Array(shape.channels).keys()], count) };
  }

  applyWithParams(image: RawImage, params: ChannelDropoutParams): RawImage {
    return channelDropout(image, params.channels_to_drop, this.fillValue);
  }

  protected initArgs(): Record<string, unknown> {
    return { channel_drop_range: this.channelDropRange, fill_value: this.fillValue };
  }
}

interface PosterizeParams {
  num_bits: number | number[];
}

export interface PosterizeOptions extends TransformOptions {
  /** Bits to keep: a number, a [min, max] range, or three ranges (one per channel). Default 4. */
  numBits?: number | Range | [number | Range, number | Range, number | Range];
}

/**
 * Keeps `randint(min, max)` upper bits of each uint8 value (per channel when three ranges are given).
 * @example
 * new Posterize({ numBits: [3, 5] });
 */
export class Posterize extends ImageOnlyTransform<PosterizeParams> {
  static readonly albumentationsArgs = ['num_bits'] as const;
  readonly className = 'Posterize';
  readonly numBits: Range | Range[];

  constructor(options: PosterizeOptions = {}) {
    const reader = readOptions('Posterize', options, ['numBits']);
    super({ p: 0.5 }, reader);
    const raw = reader.raw('numBits') ?? 4;
    const asRange = (value: unknown, low: number | undefined): Range => {
      if (typeof value === 'number') return low === undefined ? [value, value] : [Math.min(low, value), Math.max(low, value)];
      if (Array.isArray(value) && value.length === 2) return [value[0] as number, value[1] as number];
      return reader.fail('numBits', `must be a number, a [min, max] pair or three of them, got ${JSON.stringify(raw)}`);
    };
    // albumentations: three entries are per-channel (each number v meaning [0, v]); else one range.
    this.numBits = Array.isArray(raw) && raw.length === 3 ? raw.map((entry) => asRange(entry, 0)) : asRange(raw, undefined);
    const ranges = (Array.isArray(this.numBits[0]) ? this.numBits : [this.numBits]) as Range[];
    if (ranges.some((range) => !range.every((bits) => Number.isInteger(bits) && bits >= 0 && bits <= 8) || range[0] > range[1])) {
      reader.fail('numBits', `must be integers in [0, 8] with min <= max, got ${JSON.stringify(raw)}`);
    }
  }

  protected getParams(_shape: ImageShape, rng: Rng): PosterizeParams {
    if (Array.isArray(this.numBits[0])) return { num_bits: (this.numBits as Range[]).map((range) => rng.randint(range[0], range[1])) };
    const range = this.numBits as Range;
    return { num_bits: rng.randint(range[0], range[1]) };
  }

  applyWithParams(image: RawImage, params: PosterizeParams): RawImage {
    return posterize(image, params.num_bits);
  }

  protected initArgs(): Record<string, unknown> {
    return { num_bits: this.numBits };
  }
}

interface RgbShiftParams {
  r_shift: number;
  g_shift: number;
  b_shift: number;
}

export interface RGBShiftOptions extends TransformOptions {
  /** Red shift range (uint8 units, or [0, 1] units for float32 images). Default 20 → [-20, 20]. */
  rShiftLimit?: number | Range;
  gShiftLimit?: number | Range;
  bShiftLimit?: number | Range;
}

/**
 * Adds `uniform(limit)` to each of R, G, B (drawn in that order).
 * @example
 * new RGBShift({ rShiftLimit: 15, gShiftLimit: 15, bShiftLimit: 15 });
 */
export class RGBShift extends ImageOnlyTransform<RgbShiftParams> {
  static readonly albumentationsArgs = ['r_shift_limit', 'g_shift_limit', 'b_shift_limit'] as const;
  readonly className = 'RGBShift';
  readonly rShiftLimit: Range;
  readonly gShiftLimit: Range;
  readonly bShiftLimit: Range;

  constructor(options: RGBShiftOptions = {}) {
    const reader = readOptions('RGBShift', options, ['rShiftLimit', 'gShiftLimit', 'bShiftLimit']);
    super({ p: 0.5 }, reader);
    this.rShiftLimit = reader.range('rShiftLimit', 20);
    this.gShiftLimit = reader.range('gShiftLimit', 20);
    this.bShiftLimit = reader.range('bShiftLimit', 20);
  }

  protected getParams(_shape: ImageShape, rng: Rng): RgbShiftParams {
    const r_shift = rng.uniform(this.rShiftLimit[0], this.rShiftLimit[1]);
    const g_shift = rng.uniform(this.gShiftLimit[0], this.gShiftLimit[1]);
    return { r_shift, g_shift, b_shift: rng.uniform(this.bShiftLimit[0], this.bShiftLimit[1]) };
  }

  applyWithParams(image: RawImage, params: RgbShiftParams): RawImage {
    return shiftRgb(image, params.r_shift, params.g_shift, params.b_shift);
  }

  protected initArgs(): Record<string, unknown> {
    return { r_shift_limit: this.rShiftLimit, g_shift_limit: this.gShiftLimit, b_shift_limit: this.bShiftLimit };
  }
}

export interface EqualizeOptions extends TransformOptions {
  /** `'cv'` (`cv2.equalizeHist`) or `'pil'` (PIL's `ImageOps.equalize`). Default 'cv'. */
  mode?: 'cv' | 'pil';
  /** Equalise each channel. Only true is supported (false equalises the Y of YCrCb in albumentations). Default true. */
  byChannels?: boolean;
}

/**
 * Histogram equalisation of each channel of a uint8 image.
 * @example
 * new Equalize({ mode: 'cv', p: 1 });
 */
export class Equalize extends ImageOnlyTransform<Record<string, never>> {
  static readonly albumentationsArgs = ['mode', 'by_channels'] as const;
  readonly className = 'Equalize';
  readonly mode: 'cv' | 'pil';
  readonly byChannels: boolean;

  constructor(options: EqualizeOptions = {}) {
    const reader = readOptions('Equalize', options, ['mode', 'byChannels']);
    super({ p: 0.5 }, reader);
    this.mode = reader.oneOf('mode', 'cv', ['cv', 'pil'] as const);
    this.byChannels = reader.boolean('byChannels', true);
    if (!this.byChannels) reader.fail('byChannels', 'false (equalising the Y of YCrCb) is not supported here; use true');
  }

  protected getParams(): Record<string, never> {
    return {};
  }

  applyWithParams(image: RawImage): RawImage {
    return equalize(image, this.mode);
  }

  protected initArgs(): Record<string, unknown> {
    return { mode: this.mode, by_channels: this.byChannels };
  }
}

interface RandomScaleParams {
  scale: number;
}

export interface RandomScaleOptions extends TransformOptions {
  /** Scale range as a deviation from 1 (0.1 → [0.9, 1.1]). Default 0.1. */
  scaleLimit?: number | Range;
  interpolation?: InterpolationValue;
}

/**
 * Resizes by `scale = uniform(1 + scaleLimit)`: `int(H * scale) x int(W * scale)` (albumentations
 * `RandomScale`); masks use nearest neighbour, boxes are unchanged, keypoints scale.
 * @example
 * new RandomScale({ scaleLimit: 0.2, p: 1 });
 */
export class RandomScale extends ImageOnlyTransform<RandomScaleParams> {
  static readonly albumentationsArgs = ['scale_limit', 'interpolation'] as const;
  readonly className = 'RandomScale';
  /** With the +1 bias applied (e.g. [0.9, 1.1]). */
  readonly scaleLimit: Range;
  readonly interpolation: InterpolationValue;

  constructor(options: RandomScaleOptions = {}) {
    const reader = readOptions('RandomScale', options, ['scaleLimit', 'interpolation']);
    super({ p: 0.5 }, reader);
    this.scaleLimit = reader.range('scaleLimit', 0.1, { bias: 1 });
    this.interpolation = reader.oneOf('interpolation', Interpolation.LINEAR, INTERPOLATIONS, INTERPOLATION_NAMES);
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
    return { width: Math.trunc(shape.width * params.scale), height: Math.trunc(shape.height * params.scale), channels: shape.channels };
  }

  override applyToBbox(bbox: BBox): BBoxCoords {
    return [bbox[0], bbox[1], bbox[2], bbox[3]]; // normalised coordinates do not change
  }

  override applyToKeypoint(keypoint: InternalKeypoint, params: RandomScaleParams & TargetShape): KeypointCoords {
    return keypointScale(keypoint, params.scale, params.scale);
  }

  protected initArgs(): Record<string, unknown> {
    return { interpolation: this.interpolation, scale_limit: [this.scaleLimit[0] - 1, this.scaleLimit[1] - 1] };
  }
}

interface RandomSizedCropParams {
  h_start: number;
  w_start: number;
  crop_height: number;
  crop_width: number;
}

export interface RandomSizedCropOptions extends TransformOptions {
  /** Crop height range [min, max] (inclusive). Required. */
  minMaxHeight: Range;
  /** Output size. Required. */
  height: number;
  width: number;
  /** Crop width = `int(crop_height * w2hRatio)`. Default 1. */
  w2hRatio?: number;
  interpolation?: InterpolationValue;
}

/**
 * albumentations `RandomSizedCrop` (p defaults to 1): `crop_height = randint(minMaxHeight)`,
 * `crop_width = int(crop_height * w2hRatio)`, a random window as `RandomCrop`, resized to
 * `height x width`; boxes cropped, keypoints cropped and scaled.
 * @example
 * new RandomSizedCrop({ minMaxHeight: [40, 60], height: 64, width: 64 });
 */
export class RandomSizedCrop extends ImageOnlyTransform<RandomSizedCropParams> {
  static readonly albumentationsArgs = ['min_max_height', 'height', 'width', 'w2h_ratio', 'interpolation'] as const;
  readonly className = 'RandomSizedCrop';
  readonly minMaxHeight: Range;
  readonly height: number;
  readonly width: number;
  readonly w2hRatio: number;
  readonly interpolation: InterpolationValue;

  constructor(options: RandomSizedCropOptions) {
    const reader = readOptions('RandomSizedCrop', options, ['minMaxHeight', 'height', 'width', 'w2hRatio', 'interpolation']);
    super({ p: 1 }, reader);
    const raw = reader.raw('minMaxHeight') as number[];
    if (!Array.isArray(raw) || raw.length !== 2 || !raw.every((value) => Number.isInteger(value) && value >= 1) || raw[0]! > raw[1]!) {
      reader.fail('minMaxHeight', `must be [min, max] positive integers with min <= max, got ${JSON.stringify(raw)}`);
    }
    this.minMaxHeight = [raw[0]!, raw[1]!];
    this.height = reader.integer('height', undefined, { min: 1 });
    this.width = reader.integer('width', undefined, { min: 1 });
    this.w2hRatio = reader.number('w2hRatio', 1, { min: 0, minExclusive: true });
    this.interpolation = reader.oneOf('interpolation', Interpolation.LINEAR, INTERPOLATIONS, INTERPOLATION_NAMES);
  }

  protected getParams(_shape: ImageShape, rng: Rng): RandomSizedCropParams {
    const cropHeight = rng.randint(this.minMaxHeight[0], this.minMaxHeight[1]);
    const h_start = rng.random();
    const w_start = rng.random();
    return { h_start, w_start, crop_height: cropHeight, crop_width: Math.trunc(cropHeight * this.w2hRatio) };
  }

  private cropAndResize(image: RawImage, params: RandomSizedCropParams, interpolation: InterpolationValue): RawImage {
    return resize(randomCrop(image, params.crop_height, params.crop_width, params.h_start, params.w_start), this.height, this.width, interpolation);
  }

  applyWithParams(image: RawImage, params: RandomSizedCropParams): RawImage {
    return this.cropAndResize(image, params, this.interpolation);
  }

  override applyToMask(mask: RawImage, params: RandomSizedCropParams): RawImage {
    return this.cropAndResize(mask, params, Interpolation.NEAREST);
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: this.width, height: this.height, channels: shape.channels };
  }

  override applyToBbox(bbox: BBox, params: RandomSizedCropParams & TargetShape): BBoxCoords {
    return bboxRandomCrop(bbox, params.crop_height, params.crop_width, params.h_start, params.w_start, params.rows, params.cols);
  }

  override applyToKeypoint(keypoint: InternalKeypoint, params: RandomSizedCropParams & TargetShape): KeypointCoords {
    const cropped = keypointRandomCrop(keypoint, params.crop_height, params.crop_width, params.h_start, params.w_start, params.rows, params.cols);
    return keypointScale(cropped, this.width / params.crop_width, this.height / params.crop_height);
  }

  protected initArgs(): Record<string, unknown> {
    return { min_max_height: this.minMaxHeight, height: this.height, width: this.width, w2h_ratio: this.w2hRatio, interpolation: this.interpolation };
  }
}
