/** MotionBlur, GaussianBlur and CoarseDropout (albumentations 1.3 semantics). */
import type { ImageShape, RawImage } from '../core/raw-image.js';
import type { Rng } from '../core/rng.js';
import type { Range } from '../core/options.js';
import { SchemaTransform, type TargetShape } from '../core/transform.js';
import {
  bool,
  defineOptions,
  fillValue,
  int,
  number,
  option,
  range,
  type Fallback,
  type OptionGetter,
  type OptionsOf,
} from '../core/schema.js';
import type { BBoxCoords } from '../core/bbox-utils.js';
import type { InternalKeypoint } from '../core/keypoints-utils.js';
import { filter2D, gaussianBlur, motionBlurKernel } from '../functional/blur.js';
import { cutout, type Hole } from '../functional/dropout.js';

interface MotionBlurParams {
  ksize: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export type MotionBlurOptions = OptionsOf<typeof MotionBlur.schema>;

function makeOdd(v1: number, v2: number): [number, number] {
  const length = Math.abs(v1 - v2) + 1;
  if (length % 2 !== 1) {
    if (v2 > v1) v2 -= 1;
    else v1 -= 1;
  }
  return [v1, v2];
}

/**
 * Motion blur: a random 1-pixel line in a `ksize x ksize` kernel (normalised), applied with
 * `cv2.filter2D`. Params record `ksize` and the line end points.
 * @example
 * new MotionBlur({ blurLimit: [3, 7], p: 1 });
 */
export class MotionBlur extends SchemaTransform<MotionBlurParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Kernel size range (odd sizes are drawn from `range(lo, hi + 1, 2)`). Default 7 → [3, 7]. */
      blurLimit: range(7, { low: 3 }),
      /** Allow the line to be off-centre (which also shifts the image). Default true. */
      allowShifted: bool(true),
    },
    ({ blurLimit, allowShifted }, fail) => {
      if (!blurLimit.every(Number.isInteger)) fail('blurLimit', `must be integers, got ${JSON.stringify(blurLimit)}`);
      // albumentations' check (with its operator-precedence quirk: an even upper limit always fails).
      if ((!allowShifted && blurLimit[0] % 2 !== 1) || blurLimit[1] % 2 !== 1)
        fail('blurLimit', `must be odd when centering, got ${JSON.stringify(blurLimit)}`);
      if (blurLimit[0] < 3) fail('blurLimit', `must be >= 3, got ${JSON.stringify(blurLimit)}`);
    },
  );
  readonly className = 'MotionBlur';
  declare readonly blurLimit: Range;
  declare readonly allowShifted: boolean;

  constructor(options: MotionBlurOptions = {}) {
    super(MotionBlur.schema.read('MotionBlur', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): MotionBlurParams {
    const sizes: number[] = [];
    for (let size = this.blurLimit[0]; size <= this.blurLimit[1]; size += 2) sizes.push(size);
    const ksize = rng.choice(sizes);
    let x1 = rng.randint(0, ksize - 1);
    let x2 = rng.randint(0, ksize - 1);
    let y1: number;
    let y2: number;
    if (x1 === x2) [y1, y2] = rng.sample([...Array(ksize).keys()], 2) as [number, number];
    else {
      y1 = rng.randint(0, ksize - 1);
      y2 = rng.randint(0, ksize - 1);
    }
    if (!this.allowShifted) {
      [x1, x2] = makeOdd(x1, x2);
      [y1, y2] = makeOdd(y1, y2);
      const center = ksize / 2 - 0.5;
      const dx = (x1 + x2) / 2 - center;
      const dy = (y1 + y2) / 2 - center;
      [x1, x2] = [Math.trunc(x1 - dx), Math.trunc(x2 - dx)];
      [y1, y2] = [Math.trunc(y1 - dy), Math.trunc(y2 - dy)];
    }
    return { ksize, x1, y1, x2, y2 };
  }

  applyWithParams(image: RawImage, params: MotionBlurParams): RawImage {
    const kernel = motionBlurKernel(params.ksize, params.x1, params.y1, params.x2, params.y2);
    return filter2D(image, kernel, params.ksize, params.ksize);
  }
}

interface GaussianBlurParams {
  ksize: number;
  sigma: number;
}

export type GaussianBlurOptions = OptionsOf<typeof GaussianBlur.schema>;

/**
 * Gaussian blur with a random odd kernel size and sigma (`cv2.GaussianBlur`, 8-bit bit-exact path).
 * @example
 * new GaussianBlur({ blurLimit: [3, 7] });
 */
export class GaussianBlur extends SchemaTransform<GaussianBlurParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Kernel size range; 0 lets sigma decide. Default [3, 7]. */
      blurLimit: option<Range, number | Range>(
        (reader, name, get) => {
          const limit = reader.range(name, [3, 7], { low: 0 });
          return limit[0] === 0 && (get('sigmaLimit') as Range)[0] === 0 ? [3, Math.max(3, limit[1])] : limit;
        },
        {
          check: (limit) => {
            if (!limit.every(Number.isInteger)) return `must be integers, got ${JSON.stringify(limit)}`;
            const odd = (size: number): boolean => size === 0 || size % 2 === 1;
            return odd(limit[0]) && odd(limit[1])
              ? undefined
              : `supports only odd values, got ${JSON.stringify(limit)}`;
          },
        },
      ),
      /** Sigma range; 0 lets the size decide. Default 0. */
      sigmaLimit: range(0, { low: 0 }),
    },
  );
  readonly className = 'GaussianBlur';
  declare readonly blurLimit: Range;
  declare readonly sigmaLimit: Range;

  constructor(options: GaussianBlurOptions = {}) {
    super(GaussianBlur.schema.read('GaussianBlur', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): GaussianBlurParams {
    let ksize = rng.randint(this.blurLimit[0], this.blurLimit[1]);
    if (ksize !== 0 && ksize % 2 !== 1) ksize = (ksize + 1) % (this.blurLimit[1] + 1);
    return { ksize, sigma: rng.uniform(this.sigmaLimit[0], this.sigmaLimit[1]) };
  }

  applyWithParams(image: RawImage, params: GaussianBlurParams): RawImage {
    if (params.ksize === 0 && !(params.sigma > 0)) return image;
    return gaussianBlur(image, params.ksize, params.sigma);
  }
}

interface CoarseDropoutParams {
  holes: Hole[];
}

export type CoarseDropoutOptions = OptionsOf<typeof CoarseDropout.schema>;

/** A hole size: pixels (integer) or a fraction of the side, > 0. */
const holeSize = (fallback: Fallback<number>) => number({ default: fallback, min: 0, exclusive: true });

/**
 * Cut out `randint(minHoles, maxHoles)` rectangles (albumentations 1.3 `CoarseDropout`). Sizes
 * are all integers (pixels) or all fractions in [0, 1). Holes lie inside the image and may
 * overlap; a hole larger than the image is clamped to it (albumentations would raise).
 * @example
 * new CoarseDropout({ maxHoles: 4, maxHeight: 64, maxWidth: 64, minHoles: 4, minHeight: 64, minWidth: 64 });
 */
export class CoarseDropout extends SchemaTransform<CoarseDropoutParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Default 8. */
      maxHoles: int({ default: 8, min: 1 }),
      /** Pixels (integer) or a fraction of the height in [0, 1). Default 8. */
      maxHeight: holeSize(8),
      maxWidth: holeSize(8),
      /** Default: maxHoles. */
      minHoles: int({
        default: (get: OptionGetter) => get('maxHoles') as number,
        min: 1,
        check: (minHoles, get) =>
          minHoles > (get('maxHoles') as number)
            ? `must be <= maxHoles (${get('maxHoles')}), got ${minHoles}`
            : undefined,
      }),
      /** Default: maxHeight. */
      minHeight: holeSize((get) => get('maxHeight') as number),
      minWidth: holeSize((get) => get('maxWidth') as number),
      /** Default 0 (a number or one per channel). */
      fillValue: option<number | number[]>((reader, name) => {
        const fill = reader.raw(name) ?? 0;
        if (
          !(typeof fill === 'number' && Number.isFinite(fill)) &&
          !(Array.isArray(fill) && fill.every((v) => typeof v === 'number'))
        ) {
          reader.fail(name, `must be a number or a list of numbers, got ${JSON.stringify(fill)}`);
        }
        return Array.isArray(fill) ? (fill.slice() as number[]) : (fill as number);
      }),
      maskFillValue: fillValue(),
    },
    ({ maxHeight, maxWidth, minHeight, minWidth }, fail) => {
      const sizes = { maxHeight, maxWidth, minHeight, minWidth };
      const integers = Object.values(sizes).every(Number.isInteger);
      const fractions = Object.values(sizes).every((value) => value > 0 && value < 1);
      if (!integers && !fractions)
        fail(
          'maxHeight',
          `hole sizes must be all integers (pixels) or all fractions in (0, 1), got ${JSON.stringify(sizes)}`,
        );
      if (minHeight > maxHeight) fail('minHeight', `must be <= maxHeight (${maxHeight}), got ${minHeight}`);
      if (minWidth > maxWidth) fail('minWidth', `must be <= maxWidth (${maxWidth}), got ${minWidth}`);
    },
  );
  readonly className = 'CoarseDropout';
  declare readonly maxHoles: number;
  declare readonly maxHeight: number;
  declare readonly maxWidth: number;
  declare readonly minHoles: number;
  declare readonly minHeight: number;
  declare readonly minWidth: number;
  declare readonly fillValue: number | number[];
  declare readonly maskFillValue: number | number[] | null;
  /** Hole sizes are fractions of the image (the schema's check allows all integers or all fractions). */
  private readonly fractional: boolean;

  constructor(options: CoarseDropoutOptions = {}) {
    super(CoarseDropout.schema.read('CoarseDropout', options));
    this.fractional = !Number.isInteger(this.maxHeight);
  }

  protected getParams(shape: ImageShape, rng: Rng): CoarseDropoutParams {
    const { height, width } = shape;
    const holes: Hole[] = [];
    const count = rng.randint(this.minHoles, this.maxHoles);
    for (let n = 0; n < count; n++) {
      let holeHeight: number;
      let holeWidth: number;
      if (!this.fractional) {
        holeHeight = rng.randint(this.minHeight, this.maxHeight);
        holeWidth = rng.randint(this.minWidth, this.maxWidth);
      } else {
        holeHeight = Math.trunc(height * rng.uniform(this.minHeight, this.maxHeight));
        holeWidth = Math.trunc(width * rng.uniform(this.minWidth, this.maxWidth));
      }
      holeHeight = Math.min(holeHeight, height);
      holeWidth = Math.min(holeWidth, width);
      const y1 = rng.randint(0, height - holeHeight);
      const x1 = rng.randint(0, width - holeWidth);
      holes.push([x1, y1, x1 + holeWidth, y1 + holeHeight]);
    }
    return { holes };
  }

  applyWithParams(image: RawImage, params: CoarseDropoutParams): RawImage {
    const fill =
      typeof this.fillValue === 'number' || this.fillValue.length === image.channels
        ? this.fillValue
        : this.fillValue[0]!;
    return cutout(image, params.holes, fill);
  }

  /** albumentations: the mask is left as it is unless `maskFillValue` is set. */
  override applyToMask(mask: RawImage, params: CoarseDropoutParams): RawImage {
    if (this.maskFillValue === null) return mask;
    return cutout(
      mask,
      params.holes,
      typeof this.maskFillValue === 'number' ? this.maskFillValue : this.maskFillValue[0]!,
    );
  }
  /** albumentations 1.3.1 has no `apply_to_bbox` for CoarseDropout (its DualTransform base raises). */
  override applyToBbox(): BBoxCoords {
    throw new TypeError(
      'CoarseDropout does not transform bounding boxes (albumentations 1.3.1 raises NotImplementedError too)',
    );
  }

  /**
   * Drops keypoints inside a hole (`x1 <= x < x2`, `y1 <= y < y2`), as albumentations'
   * `apply_to_keypoints`. albumentations returns `list(set(keypoints))`: duplicates collapse and
   * the order is Python's hash order (random for string labels); here duplicates collapse too
   * and the survivors keep their input order.
   */
  override applyToKeypoints(
    keypoints: readonly InternalKeypoint[],
    params: CoarseDropoutParams & TargetShape,
  ): InternalKeypoint[] {
    const seen = new Set<string>();
    return keypoints.filter((keypoint) => {
      const key = JSON.stringify(keypoint);
      if (seen.has(key)) return false;
      seen.add(key);
      const [x, y] = keypoint;
      return !params.holes.some(([x1, y1, x2, y2]) => x1 <= x && x < x2 && y1 <= y && y < y2);
    });
  }
}
