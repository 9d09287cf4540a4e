/** MotionBlur, GaussianBlur and CoarseDropout (albumentations 1.3 semantics). */
import type { ImageShape, RawImage } from '../core/raw-image.js';
import type { Rng } from '../core/rng.js';
import type { Range } from '../core/options.js';
import { ImageOnlyTransform, readOptions, type TargetShape, type TransformOptions } from '../core/transform.js';
import type { BBoxCoords } from '../functional/bbox.js';
import type { InternalKeypoint } from '../functional/keypoints.js';
import { filter2D, gaussianBlur, motionBlurKernel } from '../functional/blur.js';
import { cutout, type Hole } from '../functional/dropout.js';

interface MotionBlurParams {
  ksize: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface MotionBlurOptions extends TransformOptions {
  /** Kernel size range (odd sizes are drawn from `range(lo, hi + 1, 2)`). Default 7 → [3, 7]. */
  blurLimit?: number | Range;
  /** Allow the line to be off-centre (which also shifts the image). Default true. */
  allowShifted?: boolean;
}

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
export class MotionBlur extends ImageOnlyTransform<MotionBlurParams> {
  static readonly albumentationsArgs = ['blur_limit', 'allow_shifted'] as const;
  readonly className = 'MotionBlur';
  readonly blurLimit: Range;
  readonly allowShifted: boolean;

  constructor(options: MotionBlurOptions = {}) {
    const reader = readOptions('MotionBlur', options, ['blurLimit', 'allowShifted']);
    super({ p: 0.5 }, reader);
    this.blurLimit = reader.range('blurLimit', 7, { low: 3 });
    this.allowShifted = reader.boolean('allowShifted', true);
    if (!this.blurLimit.every(Number.isInteger)) reader.fail('blurLimit', `must be integers, got ${JSON.stringify(this.blurLimit)}`);
    // albumentations' check (with its operator-precedence quirk: an even upper limit always fails).
    if ((!this.allowShifted && this.blurLimit[0] % 2 !== 1) || this.blurLimit[1] % 2 !== 1) {
      reader.fail('blurLimit', `must be odd when centering, got ${JSON.stringify(this.blurLimit)}`);
    }
    if (this.blurLimit[0] < 3) reader.fail('blurLimit', `must be >= 3, got ${JSON.stringify(this.blurLimit)}`);
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

  protected initArgs(): Record<string, unknown> {
    return { blur_limit: this.blurLimit, allow_shifted: this.allowShifted };
  }
}

interface GaussianBlurParams {
  ksize: number;
  sigma: number;
}

export interface GaussianBlurOptions extends TransformOptions {
  /** Kernel size range; 0 lets sigma decide. Default [3, 7]. */
  blurLimit?: number | Range;
  /** Sigma range; 0 lets the size decide. Default 0. */
  sigmaLimit?: number | Range;
}

/**
 * Gaussian blur with a random odd kernel size and sigma (`cv2.GaussianBlur`, 8-bit bit-exact path).
 * @example
 * new GaussianBlur({ blurLimit: [3, 7] });
 */
export class GaussianBlur extends ImageOnlyTransform<GaussianBlurParams> {
  static readonly albumentationsArgs = ['blur_limit', 'sigma_limit'] as const;
  readonly className = 'GaussianBlur';
  readonly blurLimit: Range;
  readonly sigmaLimit: Range;

  constructor(options: GaussianBlurOptions = {}) {
    const reader = readOptions('GaussianBlur', options, ['blurLimit', 'sigmaLimit']);
    super({ p: 0.5 }, reader);
    let blurLimit = reader.range('blurLimit', [3, 7], { low: 0 });
    this.sigmaLimit = reader.range('sigmaLimit', 0, { low: 0 });
    if (blurLimit[0] === 0 && this.sigmaLimit[0] === 0) blurLimit = [3, Math.max(3, blurLimit[1])];
    if (!blurLimit.every(Number.isInteger)) reader.fail('blurLimit', `must be integers, got ${JSON.stringify(blurLimit)}`);
    if ((blurLimit[0] !== 0 && blurLimit[0] % 2 !== 1) || (blurLimit[1] !== 0 && blurLimit[1] % 2 !== 1)) {
      reader.fail('blurLimit', `supports only odd values, got ${JSON.stringify(blurLimit)}`);
    }
    this.blurLimit = blurLimit;
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

  protected initArgs(): Record<string, unknown> {
    return { blur_limit: this.blurLimit, sigma_limit: this.sigmaLimit };
  }
}

interface CoarseDropoutParams {
  holes: Hole[];
}

export interface CoarseDropoutOptions extends TransformOptions {
  /** Default 8. */
  maxHoles?: number;
  /** Pixels (integer) or a fraction of the height in [0, 1). Default 8. */
  maxHeight?: number;
  maxWidth?: number;
  /** Default: maxHoles. */
  minHoles?: number | null;
  /** Default: maxHeight. */
  minHeight?: number | null;
  minWidth?: number | null;
  /** Default 0 (a number or one per channel). */
  fillValue?: number | number[];
  maskFillValue?: number | number[] | null;
}

/**
 * Cut out `randint(minHoles, maxHoles)` rectangles (albumentations 1.3 `CoarseDropout`). Sizes
 * are all integers (pixels) or all fractions in [0, 1). Holes lie inside the image and may
 * overlap; a hole larger than the image is clamped to it (albumentations would raise).
 * @example
 * new CoarseDropout({ maxHoles: 4, maxHeight: 64, maxWidth: 64, minHoles: 4, minHeight: 64, minWidth: 64 });
 */
export class CoarseDropout extends ImageOnlyTransform<CoarseDropoutParams> {
  static readonly albumentationsArgs = ['max_holes', 'max_height', 'max_width', 'min_holes', 'min_height', 'min_width', 'fill_value', 'mask_fill_value'] as const;
  readonly className = 'CoarseDropout';
  readonly maxHoles: number;
  readonly maxHeight: number;
  readonly maxWidth: number;
  readonly minHoles: number;
  readonly minHeight: number;
  readonly minWidth: number;
  readonly fillValue: number | number[];
  readonly maskFillValue: number | number[] | null;
  private readonly fractional: boolean;

  constructor(options: CoarseDropoutOptions = {}) {
    const reader = readOptions('CoarseDropout', options, ['maxHoles', 'maxHeight', 'maxWidth', 'minHoles', 'minHeight', 'minWidth', 'fillValue', 'maskFillValue']);
    super({ p: 0.5 }, reader);
    this.maxHoles = reader.integer('maxHoles', 8, { min: 1 });
    this.minHoles = reader.raw('minHoles') == null ? this.maxHoles : reader.integer('minHoles', undefined, { min: 1 });
    if (this.minHoles > this.maxHoles) reader.fail('minHoles', `must be <= maxHoles (${this.maxHoles}), got ${this.minHoles}`);
    this.maxHeight = reader.number('maxHeight', 8, { min: 0, minExclusive: true });
    this.maxWidth = reader.number('maxWidth', 8, { min: 0, minExclusive: true });
    this.minHeight = reader.raw('minHeight') == null ? this.maxHeight : reader.number('minHeight', 0, { min: 0, minExclusive: true });
    this.minWidth = reader.raw('minWidth') == null ? this.maxWidth : reader.number('minWidth', 0, { min: 0, minExclusive: true });
    const sizes = { maxHeight: this.maxHeight, maxWidth: this.maxWidth, minHeight: this.minHeight, minWidth: this.minWidth };
    const integers = Object.values(sizes).every(Number.isInteger);
    const fractions = Object.values(sizes).every((value) => value > 0 && value < 1);
    if (!integers && !fractions) {
      reader.fail('maxHeight', `hole sizes must be all integers (pixels) or all fractions in (0, 1), got ${JSON.stringify(sizes)}`);
    }
    this.fractional = !integers;
    if (this.minHeight > this.maxHeight) reader.fail('minHeight', `must be <= maxHeight (${this.maxHeight}), got ${this.minHeight}`);
    if (this.minWidth > this.maxWidth) reader.fail('minWidth', `must be <= maxWidth (${this.maxWidth}), got ${this.minWidth}`);
    const fill = reader.raw('fillValue') ?? 0;
    if (!(typeof fill === 'number' && Number.isFinite(fill)) && !(Array.isArray(fill) && fill.every((v) => typeof v === 'number'))) {
      reader.fail('fillValue', `must be a number or a list of numbers, got ${JSON.stringify(fill)}`);
    }
    this.fillValue = Array.isArray(fill) ? (fill.slice() as number[]) : (fill as number);
    this.maskFillValue = reader.fillValue('maskFillValue');
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
    const fill = typeof this.fillValue === 'number' || this.fillValue.length === image.channels ? this.fillValue : this.fillValue[0]!;
    return cutout(image, params.holes, fill);
  }

  /** albumentations: the mask is left as it is unless `maskFillValue` is set. */
  override applyToMask(mask: RawImage, params: CoarseDropoutParams): RawImage {
    if (this.maskFillValue === null) return mask;
    return cutout(mask, params.holes, typeof this.maskFillValue === 'number' ? this.maskFillValue : this.maskFillValue[0]!);
  }
  /** albumentations 1.3.1 has no `apply_to_bbox` for CoarseDropout (its DualTransform base raises). */
  override applyToBbox(): BBoxCoords {
    throw new TypeError('CoarseDropout does not transform bounding boxes (albumentations 1.3.1 raises NotImplementedError too)');
  }

  /**
   * Drops keypoints inside a hole (`x1 <= x < x2`, `y1 <= y < y2`), as albumentations'
   * `apply_to_keypoints`. albumentations returns `list(set(keypoints))`: duplicates collapse and
   * the order is Python's hash order (random for string labels); here duplicates collapse too
   * and the survivors keep their input order.
   */
  override applyToKeypoints(keypoints: readonly InternalKeypoint[], params: CoarseDropoutParams & TargetShape): InternalKeypoint[] {
    const seen = new Set<string>();
    return keypoints.filter((keypoint) => {
      const key = JSON.stringify(keypoint);
      if (seen.has(key)) return false;
      seen.add(key);
      const [x, y] = keypoint;
      return !params.holes.some(([x1, y1, x2, y2]) => x1 <= x && x < x2 && y1 <= y && y < y2);
    });
  }

  protected initArgs(): Record<string, unknown> {
    return {
      max_holes: this.maxHoles,
      max_height: this.maxHeight,
      max_width: this.maxWidth,
      min_holes: this.minHoles,
      min_height: this.minHeight,
      min_width: this.minWidth,
      fill_value: this.fillValue,
      mask_fill_value: this.maskFillValue,
    };
  }
}
