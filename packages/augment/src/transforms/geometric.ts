/** Resizing, cropping, padding, flipping and rotating transforms (albumentations 1.3 semantics). */
import type { ImageShape, RawImage } from '../core/raw-image.js';
import type { Rng } from '../core/rng.js';
import type { Range } from '../core/options.js';
import type { CropLike, Mirror, Mirroring, Rect, RegionResizable } from '../core/compose.js';
import { SchemaTransform, type TargetShape, type TransformOptions } from '../core/transform.js';
import { denormalizeBbox, normalizeBbox, type BBox, type BBoxCoords } from '../core/bbox-utils.js';
import type { InternalKeypoint, KeypointCoords } from '../core/keypoints-utils.js';
import {
  bboxCenterCrop,
  bboxCrop,
  bboxFlip,
  bboxHflip,
  bboxRandomCrop,
  bboxRot90,
  bboxTranspose,
  bboxVflip,
} from '../functional/bbox.js';
import {
  cropKeypointByCoords,
  keypointCenterCrop,
  keypointFlip,
  keypointHflip,
  keypointRandomCrop,
  keypointRot90,
  keypointScale,
  keypointTranspose,
  keypointVflip,
} from '../functional/keypoints.js';
import { OMIT, defineOptions, int, enumOf, option, range, type OptionGetter, type OptionsOf } from '../core/schema.js';
import { Interpolation, roundHalfEven, type BorderModeValue, type InterpolationValue } from '../functional/common.js';
import {
  centerCropCoordinates,
  crop,
  hflip,
  padWithParams,
  randomCropCoordinates,
  resize,
  rot90,
  transpose,
  vflip,
} from '../functional/geometric.js';
import { BORDER_FILLS, OUTPUT_SIZE, borderMode, interpolation } from './options.js';

type Empty = Record<string, never>;
const EMPTY: Empty = {};

function cropTooLarge(name: string, cropHeight: number, cropWidth: number, shape: ImageShape): RangeError {
  return new RangeError(
    `${name}: requested crop size (${cropHeight}, ${cropWidth}) is larger than the image size (${shape.height}, ${shape.width})`,
  );
}

export type ResizeOptions = OptionsOf<typeof Resize.schema>;

/**
 * Resize to a fixed size (`cv2.resize`); p defaults to 1. Unchanged when the size already matches.
 * @example
 * new Resize({ height: 600, width: 600 });
 */
export class Resize extends SchemaTransform<Empty> implements RegionResizable {
  static readonly schema = defineOptions({ p: 1 }, { ...OUTPUT_SIZE, interpolation: interpolation() });
  readonly className = 'Resize';
  declare readonly height: number;
  declare readonly width: number;
  declare readonly interpolation: InterpolationValue;

  constructor(options: ResizeOptions) {
    super(Resize.schema.read('Resize', options));
  }

  protected getParams(): Empty {
    return EMPTY;
  }

  applyWithParams(image: RawImage): RawImage {
    return resize(image, this.height, this.width, this.interpolation);
  }

  override applyToMask(mask: RawImage): RawImage {
    return resize(mask, this.height, this.width, Interpolation.NEAREST);
  }
  override applyToBbox(bbox: BBox): BBoxCoords {
    return [bbox[0], bbox[1], bbox[2], bbox[3]]; // normalised coordinates do not change
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: TargetShape): KeypointCoords {
    return keypointScale(keypoint, this.width / params.cols, this.height / params.rows);
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: this.width, height: this.height, channels: shape.channels };
  }

  /** Only `rect` of the resized image (identical bytes to resize then crop). */
  resizeRegion(image: RawImage, _params: Record<string, unknown>, rect: Rect): RawImage {
    return resize(image, this.height, this.width, this.interpolation, rect);
  }
}

interface MaxSizeParams {
  max_size: number;
}

export type MaxSizeOptions = OptionsOf<typeof MaxSizeTransform.schema>;

abstract class MaxSizeTransform extends SchemaTransform<MaxSizeParams> {
  static readonly schema = defineOptions(
    { p: 1 },
    {
      /** Target size of the longest (or smallest) side; a list picks one at random. Default 1024. */
      maxSize: option<number | number[]>((reader, name) => {
        const raw = reader.raw(name) ?? 1024;
        const sizes = Array.isArray(raw) ? raw : [raw];
        if (sizes.length === 0 || !sizes.every((size) => Number.isInteger(size) && (size as number) >= 1)) {
          reader.fail(name, `must be a positive integer or a non-empty list of them, got ${JSON.stringify(raw)}`);
        }
        return Array.isArray(raw) ? (raw.slice() as number[]) : (raw as number);
      }),
      interpolation: interpolation(),
    },
  );
  declare readonly maxSize: number | number[];
  declare readonly interpolation: InterpolationValue;

  constructor(name: string, options: MaxSizeOptions | undefined) {
    super(MaxSizeTransform.schema.read(name, options));
  }

  protected abstract pick(height: number, width: number): number;

  protected getParams(_shape: ImageShape, rng: Rng): MaxSizeParams {
    return { max_size: typeof this.maxSize === 'number' ? this.maxSize : rng.choice(this.maxSize) };
  }

  private targetSize(shape: ImageShape, params: MaxSizeParams): { height: number; width: number } {
    const scale = params.max_size / this.pick(shape.height, shape.width);
    if (scale === 1) return { height: shape.height, width: shape.width };
    // Python's round(): half to even.
    return {
      height: Math.max(1, roundHalfEven(shape.height * scale)),
      width: Math.max(1, roundHalfEven(shape.width * scale)),
    };
  }

  applyWithParams(image: RawImage, params: MaxSizeParams): RawImage {
    const { height, width } = this.targetSize(image, params);
    return resize(image, height, width, this.interpolation);
  }

  override applyToMask(mask: RawImage, params: MaxSizeParams): RawImage {
    const { height, width } = this.targetSize(mask, params);
    return resize(mask, height, width, Interpolation.NEAREST);
  }
  override applyToBbox(bbox: BBox): BBoxCoords {
    return [bbox[0], bbox[1], bbox[2], bbox[3]]; // normalised coordinates do not change
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: MaxSizeParams & TargetShape): KeypointCoords {
    const scale = params.max_size / this.pick(params.rows, params.cols);
    return keypointScale(keypoint, scale, scale);
  }

  override outputShape(shape: ImageShape, params: MaxSizeParams): ImageShape {
    return { ...this.targetSize(shape, params), channels: shape.channels };
  }
}

/**
 * Rescale so the longest side equals `maxSize`, keeping the aspect ratio (p defaults to 1).
 * @example
 * new LongestMaxSize({ maxSize: 512 });
 */
export class LongestMaxSize extends MaxSizeTransform {
  readonly className = 'LongestMaxSize';
  constructor(options?: MaxSizeOptions) {
    super('LongestMaxSize', options);
  }
  protected pick(height: number, width: number): number {
    return Math.max(height, width);
  }
}

/**
 * Rescale so the smallest side equals `maxSize`, keeping the aspect ratio (p defaults to 1).
 * @example
 * new SmallestMaxSize({ maxSize: 256 });
 */
export class SmallestMaxSize extends MaxSizeTransform {
  readonly className = 'SmallestMaxSize';
  constructor(options?: MaxSizeOptions) {
    super('SmallestMaxSize', options);
  }
  protected pick(height: number, width: number): number {
    return Math.min(height, width);
  }
}

interface RandomCropParams {
  h_start: number;
  w_start: number;
}

export type CropSizeOptions = OptionsOf<typeof RandomCrop.schema>;

/**
 * Crop a random `height x width` window: `h_start, w_start = random()`, then
 * `y = int((H - h + 1) * h_start)` (p defaults to 1). Errors if the crop is larger than the image.
 * @example
 * new RandomCrop({ height: 300, width: 300 });
 */
export class RandomCrop extends SchemaTransform<RandomCropParams> implements CropLike {
  static readonly schema = defineOptions({ p: 1 }, OUTPUT_SIZE);
  readonly className = 'RandomCrop';
  declare readonly height: number;
  declare readonly width: number;

  constructor(options: CropSizeOptions) {
    super(RandomCrop.schema.read('RandomCrop', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): RandomCropParams {
    const hStart = rng.random(); // albumentations draws h_start first
    return { h_start: hStart, w_start: rng.random() };
  }

  cropRect(shape: ImageShape, params: Record<string, unknown>): Rect {
    if (this.height > shape.height || this.width > shape.width)
      throw cropTooLarge('RandomCrop', this.height, this.width, shape);
    const { x, y } = randomCropCoordinates(
      shape.height,
      shape.width,
      this.height,
      this.width,
      params.h_start as number,
      params.w_start as number,
    );
    return { x, y, width: this.width, height: this.height };
  }

  applyWithParams(image: RawImage, params: RandomCropParams): RawImage {
    const rect = this.cropRect(image, params as unknown as Record<string, unknown>);
    return crop(image, rect.x, rect.y, rect.x + rect.width, rect.y + rect.height);
  }
  override applyToMask(mask: RawImage, params: RandomCropParams): RawImage {
    return this.applyWithParams(mask, params);
  }
  override applyToBbox(bbox: BBox, params: RandomCropParams & TargetShape): BBoxCoords {
    return bboxRandomCrop(bbox, this.height, this.width, params.h_start, params.w_start, params.rows, params.cols);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: RandomCropParams & TargetShape): KeypointCoords {
    return keypointRandomCrop(
      keypoint,
      this.height,
      this.width,
      params.h_start,
      params.w_start,
      params.rows,
      params.cols,
    );
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: this.width, height: this.height, channels: shape.channels };
  }
}

/**
 * Crop the central `height x width` window (p defaults to 1).
 * @example
 * new CenterCrop({ height: 224, width: 224 });
 */
export class CenterCrop extends SchemaTransform<Empty> implements CropLike {
  static readonly schema = defineOptions({ p: 1 }, OUTPUT_SIZE);
  readonly className = 'CenterCrop';
  declare readonly height: number;
  declare readonly width: number;

  constructor(options: CropSizeOptions) {
    super(CenterCrop.schema.read('CenterCrop', options));
  }

  protected getParams(): Empty {
    return EMPTY;
  }

  cropRect(shape: ImageShape): Rect {
    if (this.height > shape.height || this.width > shape.width)
      throw cropTooLarge('CenterCrop', this.height, this.width, shape);
    const { x, y } = centerCropCoordinates(shape.height, shape.width, this.height, this.width);
    return { x, y, width: this.width, height: this.height };
  }

  applyWithParams(image: RawImage): RawImage {
    const rect = this.cropRect(image);
    return crop(image, rect.x, rect.y, rect.x + rect.width, rect.y + rect.height);
  }
  override applyToMask(mask: RawImage): RawImage {
    return this.applyWithParams(mask);
  }
  override applyToBbox(bbox: BBox, params: TargetShape): BBoxCoords {
    return bboxCenterCrop(bbox, this.height, this.width, params.rows, params.cols);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: TargetShape): KeypointCoords {
    return keypointCenterCrop(keypoint, this.height, this.width, params.rows, params.cols);
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: this.width, height: this.height, channels: shape.channels };
  }
}

export type CropOptions = OptionsOf<typeof Crop.schema>;

/**
 * Crop a fixed region `[x_min, x_max) x [y_min, y_max)` (p defaults to 1).
 * @example
 * new Crop({ xMin: 5, yMin: 7, xMax: 35, yMax: 27 });
 */
export class Crop extends SchemaTransform<Empty> implements CropLike {
  static readonly schema = defineOptions(
    { p: 1 },
    {
      /** Default 0. */
      xMin: int({ default: 0, min: 0 }),
      /** Default 0. */
      yMin: int({ default: 0, min: 0 }),
      /** Exclusive. Default 1024. */
      xMax: int({ default: 1024, min: (get: OptionGetter) => (get('xMin') as number) + 1 }),
      /** Exclusive. Default 1024. */
      yMax: int({ default: 1024, min: (get: OptionGetter) => (get('yMin') as number) + 1 }),
    },
  );
  readonly className = 'Crop';
  declare readonly xMin: number;
  declare readonly yMin: number;
  declare readonly xMax: number;
  declare readonly yMax: number;

  constructor(options: CropOptions = {}) {
    super(Crop.schema.read('Crop', options));
  }

  protected getParams(): Empty {
    return EMPTY;
  }

  cropRect(shape: ImageShape): Rect {
    if (this.xMax > shape.width || this.yMax > shape.height) {
      throw new RangeError(
        `Crop: region [${this.xMin}, ${this.yMin}, ${this.xMax}, ${this.yMax}] exceeds the ${shape.width}x${shape.height} image`,
      );
    }
    return { x: this.xMin, y: this.yMin, width: this.xMax - this.xMin, height: this.yMax - this.yMin };
  }

  applyWithParams(image: RawImage): RawImage {
    this.cropRect(image);
    return crop(image, this.xMin, this.yMin, this.xMax, this.yMax);
  }
  override applyToMask(mask: RawImage): RawImage {
    return this.applyWithParams(mask);
  }
  override applyToBbox(bbox: BBox, params: TargetShape): BBoxCoords {
    return bboxCrop(bbox, this.xMin, this.yMin, this.xMax, this.yMax, params.rows, params.cols);
  }
  override applyToKeypoint(keypoint: InternalKeypoint): KeypointCoords {
    return cropKeypointByCoords(keypoint, [this.xMin, this.yMin, this.xMax, this.yMax]);
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: this.xMax - this.xMin, height: this.yMax - this.yMin, channels: shape.channels };
  }
}

/** The sampled crop of RandomResizedCrop and RandomSizedCrop (albumentations' `_BaseRandomSizedCrop`). */
export interface SizedCropParams {
  crop_height: number;
  crop_width: number;
  h_start: number;
  w_start: number;
}

/** `_BaseRandomSizedCrop.apply_to_bbox`: the box cropped (the resize keeps normalised coordinates). */
export function sizedCropBbox(bbox: BBox, params: SizedCropParams & TargetShape): BBoxCoords {
  return bboxRandomCrop(
    bbox,
    params.crop_height,
    params.crop_width,
    params.h_start,
    params.w_start,
    params.rows,
    params.cols,
  );
}

/** `_BaseRandomSizedCrop.apply_to_keypoint`: the keypoint cropped, then scaled to the `height x width` output. */
export function sizedCropKeypoint(
  keypoint: InternalKeypoint,
  params: SizedCropParams & TargetShape,
  height: number,
  width: number,
): KeypointCoords {
  const cropped = keypointRandomCrop(
    keypoint,
    params.crop_height,
    params.crop_width,
    params.h_start,
    params.w_start,
    params.rows,
    params.cols,
  );
  return keypointScale(cropped, width / params.crop_width, height / params.crop_height);
}

export type RandomResizedCropOptions = OptionsOf<typeof RandomResizedCrop.schema>;

const positiveRange = (range: Range): string | undefined =>
  range[0] <= 0 ? `must be > 0, got ${JSON.stringify(range)}` : undefined;

/**
 * torchvision-style random resized crop (albumentations `RandomResizedCrop`, p defaults to 1):
 * up to 10 tries of area/log-ratio sampling, then a centre fallback; crop, then resize.
 * @example
 * new RandomResizedCrop({ height: 224, width: 224, scale: [0.5, 1] });
 */
export class RandomResizedCrop extends SchemaTransform<SizedCropParams> {
  static readonly schema = defineOptions(
    { p: 1 },
    {
      ...OUTPUT_SIZE,
      /** Range of the crop area as a fraction of the image area. Default [0.08, 1]. */
      scale: range([0.08, 1], { check: positiveRange }),
      /** Range of the crop aspect ratio (w/h). Default [0.75, 4/3]. */
      ratio: range([0.75, 4 / 3], { check: positiveRange }),
      interpolation: interpolation(),
    },
  );
  readonly className = 'RandomResizedCrop';
  declare readonly height: number;
  declare readonly width: number;
  declare readonly scale: Range;
  declare readonly ratio: Range;
  declare readonly interpolation: InterpolationValue;

  constructor(options: RandomResizedCropOptions) {
    super(RandomResizedCrop.schema.read('RandomResizedCrop', options));
  }

  protected getParams(shape: ImageShape, rng: Rng): SizedCropParams {
    const { height, width } = shape;
    const area = height * width;
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = rng.uniform(this.scale[0], this.scale[1]) * area;
      const aspectRatio = Math.exp(rng.uniform(Math.log(this.ratio[0]), Math.log(this.ratio[1])));
      const cropWidth = roundHalfEven(Math.sqrt(targetArea * aspectRatio));
      const cropHeight = roundHalfEven(Math.sqrt(targetArea / aspectRatio));
      if (cropWidth > 0 && cropWidth <= width && cropHeight > 0 && cropHeight <= height) {
        const i = rng.randint(0, height - cropHeight);
        const j = rng.randint(0, width - cropWidth);
        return {
          crop_height: cropHeight,
          crop_width: cropWidth,
          h_start: (i * 1.0) / (height - cropHeight + 1e-10),
          w_start: (j * 1.0) / (width - cropWidth + 1e-10),
        };
      }
    }
    // Fallback to a central crop.
    const inRatio = width / height;
    let cropWidth = width;
    let cropHeight = height;
    if (inRatio < Math.min(...this.ratio)) cropHeight = roundHalfEven(width / Math.min(...this.ratio));
    else if (inRatio > Math.max(...this.ratio)) cropWidth = roundHalfEven(height * Math.max(...this.ratio));
    cropHeight = Math.max(1, Math.min(cropHeight, height));
    cropWidth = Math.max(1, Math.min(cropWidth, width));
    const i = Math.trunc((height - cropHeight) / 2);
    const j = Math.trunc((width - cropWidth) / 2);
    return {
      crop_height: cropHeight,
      crop_width: cropWidth,
      h_start: (i * 1.0) / (height - cropHeight + 1e-10),
      w_start: (j * 1.0) / (width - cropWidth + 1e-10),
    };
  }

  applyWithParams(image: RawImage, params: SizedCropParams): RawImage {
    return this.cropAndResize(image, params, this.interpolation);
  }

  override applyToMask(mask: RawImage, params: SizedCropParams): RawImage {
    return this.cropAndResize(mask, params, Interpolation.NEAREST);
  }
  override applyToBbox(bbox: BBox, params: SizedCropParams & TargetShape): BBoxCoords {
    return sizedCropBbox(bbox, params);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: SizedCropParams & TargetShape): KeypointCoords {
    return sizedCropKeypoint(keypoint, params, this.height, this.width);
  }

  private cropAndResize(image: RawImage, params: SizedCropParams, interpolation: InterpolationValue): RawImage {
    const cropHeight = Math.min(params.crop_height, image.height);
    const cropWidth = Math.min(params.crop_width, image.width);
    const { x, y } = randomCropCoordinates(
      image.height,
      image.width,
      cropHeight,
      cropWidth,
      params.h_start,
      params.w_start,
    );
    // h_start = i / (H - h + 1e-10) can map to y = i + 1 at the far edge; NumPy slicing then
    // silently returns one row/column less, which is what albumentations resizes.
    const x0 = Math.min(x, image.width - 1);
    const y0 = Math.min(y, image.height - 1);
    const patch = crop(image, x0, y0, Math.min(x0 + cropWidth, image.width), Math.min(y0 + cropHeight, image.height));
    return resize(patch, this.height, this.width, interpolation);
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: this.width, height: this.height, channels: shape.channels };
  }
}

interface PadParams {
  pad_top: number;
  pad_bottom: number;
  pad_left: number;
  pad_right: number;
}

const PAD_POSITIONS = ['center', 'top_left', 'top_right', 'bottom_left', 'bottom_right', 'random'] as const;
export type PadPosition = (typeof PAD_POSITIONS)[number];

export type PadIfNeededOptions = OptionsOf<typeof PadIfNeeded.schema>;

/** PadIfNeeded's `minHeight` / `minWidth`: 1024 unless the divisor is set (the schema checks that exactly one is). */
function minimumSize(divisor: 'padHeightDivisor' | 'padWidthDivisor') {
  return option<number | null>((reader, name, get) => {
    const divisorValue = get(divisor);
    const raw = reader.raw(name);
    if (raw === null) return null;
    if (raw === undefined) return divisorValue === null ? 1024 : null;
    return reader.integer(name, undefined, { min: 1 });
  });
}

/**
 * Pad to at least `minHeight x minWidth` (or to a multiple of the divisors) with
 * `cv2.copyMakeBorder` (p defaults to 1).
 * @example
 * new PadIfNeeded({ minHeight: 256, minWidth: 256, borderMode: 0, value: 0 });
 */
export class PadIfNeeded extends SchemaTransform<PadParams> {
  static readonly schema = defineOptions(
    { p: 1 },
    {
      /** Default 1024 (null when `padHeightDivisor` is used). */
      minHeight: minimumSize('padHeightDivisor'),
      minWidth: minimumSize('padWidthDivisor'),
      padHeightDivisor: int({ default: null, min: 1 }),
      padWidthDivisor: int({ default: null, min: 1 }),
      /** Default 'center' (albumentations 1.3.1 leaves the default out of `to_dict`). */
      position: enumOf(PAD_POSITIONS, 'center', undefined, {
        toDict: (position) => (position === 'center' ? OMIT : position),
      }),
      /** Default 4 (BORDER_REFLECT_101). */
      borderMode: borderMode(),
      /** BORDER_CONSTANT fill: a number (first channel only, like cv2) or one per channel. */
      ...BORDER_FILLS,
    },
    (values, fail) => {
      if ((values.minHeight === null) === (values.padHeightDivisor === null))
        fail('minHeight', 'and padHeightDivisor: exactly one must be set');
      if ((values.minWidth === null) === (values.padWidthDivisor === null))
        fail('minWidth', 'and padWidthDivisor: exactly one must be set');
    },
  );
  readonly className = 'PadIfNeeded';
  declare readonly minHeight: number | null;
  declare readonly minWidth: number | null;
  declare readonly padHeightDivisor: number | null;
  declare readonly padWidthDivisor: number | null;
  declare readonly position: PadPosition;
  declare readonly borderMode: BorderModeValue;
  declare readonly value: number | number[] | null;
  declare readonly maskValue: number | number[] | null;

  constructor(options: PadIfNeededOptions = {}) {
    super(PadIfNeeded.schema.read('PadIfNeeded', options));
  }

  private padding(size: number, minimum: number | null, divisor: number | null): [number, number] {
    let total = 0;
    if (minimum !== null) total = Math.max(0, minimum - size);
    else {
      const remainder = size % divisor!;
      total = remainder > 0 ? divisor! - remainder : 0;
    }
    const first = minimum !== null ? Math.trunc(total / 2) : Math.floor(total / 2);
    return [first, total - first];
  }

  protected getParams(shape: ImageShape, rng: Rng): PadParams {
    let [top, bottom] = this.padding(shape.height, this.minHeight, this.padHeightDivisor);
    let [left, right] = this.padding(shape.width, this.minWidth, this.padWidthDivisor);
    switch (this.position) {
      case 'top_left':
        bottom += top;
        right += left;
        top = 0;
        left = 0;
        break;
      case 'top_right':
        bottom += top;
        left += right;
        top = 0;
        right = 0;
        break;
      case 'bottom_left':
        top += bottom;
        right += left;
        bottom = 0;
        left = 0;
        break;
      case 'bottom_right':
        top += bottom;
        left += right;
        bottom = 0;
        right = 0;
        break;
      case 'random': {
        const vertical = top + bottom;
        const horizontal = left + right;
        top = rng.randint(0, vertical);
        bottom = vertical - top;
        left = rng.randint(0, horizontal);
        right = horizontal - left;
        break;
      }
      default:
        break;
    }
    return { pad_top: top, pad_bottom: bottom, pad_left: left, pad_right: right };
  }

  applyWithParams(image: RawImage, params: PadParams): RawImage {
    if (params.pad_top + params.pad_bottom + params.pad_left + params.pad_right === 0) return image;
    return padWithParams(
      image,
      params.pad_top,
      params.pad_bottom,
      params.pad_left,
      params.pad_right,
      this.borderMode,
      this.value,
    );
  }

  override applyToMask(mask: RawImage, params: PadParams): RawImage {
    return padWithParams(
      mask,
      params.pad_top,
      params.pad_bottom,
      params.pad_left,
      params.pad_right,
      this.borderMode,
      this.maskValue,
    );
  }
  override applyToBbox(bbox: BBox, params: PadParams & TargetShape): BBoxCoords {
    const [xMin, yMin, xMax, yMax] = denormalizeBbox(bbox, params.rows, params.cols);
    const moved: BBox = [xMin + params.pad_left, yMin + params.pad_top, xMax + params.pad_left, yMax + params.pad_top];
    return normalizeBbox(
      moved,
      params.rows + params.pad_top + params.pad_bottom,
      params.cols + params.pad_left + params.pad_right,
    ).slice(0, 4) as BBoxCoords;
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: PadParams & TargetShape): KeypointCoords {
    return [keypoint[0] + params.pad_left, keypoint[1] + params.pad_top, keypoint[2], keypoint[3]];
  }

  override outputShape(shape: ImageShape, params: PadParams): ImageShape {
    return {
      width: shape.width + params.pad_left + params.pad_right,
      height: shape.height + params.pad_top + params.pad_bottom,
      channels: shape.channels,
    };
  }
}

/**
 * Mirror left-right (p defaults to 0.5).
 * @example
 * new HorizontalFlip({ p: 0.5 });
 */
export class HorizontalFlip extends SchemaTransform<Empty> implements Mirroring {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'HorizontalFlip';
  readonly mirror: Mirror = { horizontal: true, vertical: false };
  constructor(options: TransformOptions = {}) {
    super(HorizontalFlip.schema.read('HorizontalFlip', options));
  }
  protected getParams(): Empty {
    return EMPTY;
  }
  applyWithParams(image: RawImage): RawImage {
    return hflip(image);
  }
  override applyToMask(mask: RawImage): RawImage {
    return this.applyWithParams(mask);
  }
  override applyToBbox(bbox: BBox): BBoxCoords {
    return bboxHflip(bbox);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: TargetShape): KeypointCoords {
    return keypointHflip(keypoint, params.cols);
  }
}

/**
 * Mirror top-bottom (p defaults to 0.5).
 * @example
 * new VerticalFlip({ p: 0.5 });
 */
export class VerticalFlip extends SchemaTransform<Empty> implements Mirroring {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'VerticalFlip';
  readonly mirror: Mirror = { horizontal: false, vertical: true };
  constructor(options: TransformOptions = {}) {
    super(VerticalFlip.schema.read('VerticalFlip', options));
  }
  protected getParams(): Empty {
    return EMPTY;
  }
  applyWithParams(image: RawImage): RawImage {
    return vflip(image);
  }
  override applyToMask(mask: RawImage): RawImage {
    return this.applyWithParams(mask);
  }
  override applyToBbox(bbox: BBox): BBoxCoords {
    return bboxVflip(bbox);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: TargetShape): KeypointCoords {
    return keypointVflip(keypoint, params.rows);
  }
}

interface FlipParams {
  /** OpenCV flip code: 1 left-right, 0 top-bottom, -1 both. */
  d: number;
}

/**
 * Flip left-right, top-bottom or both, `d = randint(-1, 1)` as `cv2.flip` codes (p defaults to 0.5).
 * @example
 * new Flip();
 */
export class Flip extends SchemaTransform<FlipParams> {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'Flip';
  constructor(options: TransformOptions = {}) {
    super(Flip.schema.read('Flip', options));
  }
  protected getParams(_shape: ImageShape, rng: Rng): FlipParams {
    return { d: rng.randint(-1, 1) };
  }
  applyWithParams(image: RawImage, params: FlipParams): RawImage {
    if (params.d === 1) return hflip(image);
    if (params.d === 0) return vflip(image);
    return hflip(vflip(image));
  }
  override applyToMask(mask: RawImage, params: FlipParams): RawImage {
    return this.applyWithParams(mask, params);
  }
  override applyToBbox(bbox: BBox, params: FlipParams & TargetShape): BBoxCoords {
    return bboxFlip(bbox, params.d);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: FlipParams & TargetShape): KeypointCoords {
    return keypointFlip(keypoint, params.d, params.rows, params.cols);
  }
}

/**
 * Swap rows and columns (p defaults to 0.5).
 * @example
 * new Transpose();
 */
export class Transpose extends SchemaTransform<Empty> {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'Transpose';
  constructor(options: TransformOptions = {}) {
    super(Transpose.schema.read('Transpose', options));
  }
  protected getParams(): Empty {
    return EMPTY;
  }
  applyWithParams(image: RawImage): RawImage {
    return transpose(image);
  }
  override applyToMask(mask: RawImage): RawImage {
    return this.applyWithParams(mask);
  }
  override applyToBbox(bbox: BBox): BBoxCoords {
    return bboxTranspose(bbox, 0);
  }
  override applyToKeypoint(keypoint: InternalKeypoint): KeypointCoords {
    return keypointTranspose(keypoint);
  }

  override outputShape(shape: ImageShape): ImageShape {
    return { width: shape.height, height: shape.width, channels: shape.channels };
  }
}

interface Rotate90Params {
  factor: number;
}

/**
 * Rotate by `factor * 90` degrees counter-clockwise, `factor = randint(0, 3)` (p defaults to 0.5).
 * @example
 * new RandomRotate90();
 */
export class RandomRotate90 extends SchemaTransform<Rotate90Params> {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'RandomRotate90';
  constructor(options: TransformOptions = {}) {
    super(RandomRotate90.schema.read('RandomRotate90', options));
  }
  protected getParams(_shape: ImageShape, rng: Rng): Rotate90Params {
    return { factor: rng.randint(0, 3) };
  }
  applyWithParams(image: RawImage, params: Rotate90Params): RawImage {
    return rot90(image, params.factor);
  }
  override applyToMask(mask: RawImage, params: Rotate90Params): RawImage {
    return this.applyWithParams(mask, params);
  }
  override applyToBbox(bbox: BBox, params: Rotate90Params & TargetShape): BBoxCoords {
    return bboxRot90(bbox, params.factor);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: Rotate90Params & TargetShape): KeypointCoords {
    return keypointRot90(keypoint, params.factor, params.rows, params.cols);
  }

  override outputShape(shape: ImageShape, params: Rotate90Params): ImageShape {
    return params.factor % 2 === 1
      ? { width: shape.height, height: shape.width, channels: shape.channels }
      : { ...shape };
  }
}
