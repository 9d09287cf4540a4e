/** Rotate, ShiftScaleRotate and OpticalDistortion (albumentations 1.3 semantics, OpenCV-exact pixels). */
import type { ImageShape, RawImage } from '../core/raw-image.js';
import type { Rng } from '../core/rng.js';
import type { Range } from '../core/options.js';
import { ImageOnlyTransform, readOptions, type TargetShape, type TransformOptions } from '../core/transform.js';
import { bboxCrop, bboxRotate, bboxShiftScaleRotate, type BBox, type BBoxCoords } from '../functional/bbox.js';
import { cropKeypointByCoords, keypointRotate, keypointShiftScaleRotate, type InternalKeypoint, type KeypointCoords } from '../functional/keypoints.js';
import {
  BORDER_MODES,
  BORDER_MODE_NAMES,
  BorderMode,
  INTERPOLATIONS,
  INTERPOLATION_NAMES,
  Interpolation,
  roundHalfEven,
  type BorderModeValue,
  type InterpolationValue,
} from '../functional/common.js';
import { crop, opticalDistortion, rotationMatrix2D, shiftScaleRotateMatrix, warpAffine } from '../functional/geometric.js';

const ROTATE_METHODS = ['largest_box', 'ellipse'] as const;

interface RotateParams {
  angle: number;
  x_min?: number;
  y_min?: number;
  x_max?: number;
  y_max?: number;
}

export interface RotateOptions extends TransformOptions {
  /** Angle range in degrees; a number v means [-v, v]. Default 90. */
  limit?: number | Range;
  interpolation?: InterpolationValue;
  /** Default 4 (BORDER_REFLECT_101). */
  borderMode?: BorderModeValue;
  value?: number | number[] | null;
  maskValue?: number | number[] | null;
  /** Only affects bounding boxes in albumentations; kept for serialization. Default 'largest_box'. */
  rotateMethod?: 'largest_box' | 'ellipse';
  /** Crop to the largest axis-aligned rectangle inside the rotated image. Default false. */
  cropBorder?: boolean;
}

/** albumentations `Rotate._rotated_rect_with_max_area`. */
function rotatedRectWithMaxArea(height: number, width: number, angle: number): { x_min: number; x_max: number; y_min: number; y_max: number } {
  const radians = angle * (Math.PI / 180); // Python math.radians
  const widthIsLonger = width >= height;
  const [sideLong, sideShort] = widthIsLonger ? [width, height] : [height, width];
  const sinA = Math.abs(Math.sin(radians));
  const cosA = Math.abs(Math.cos(radians));
  let wr: number;
  let hr: number;
  if (sideShort <= 2 * sinA * cosA * sideLong || Math.abs(sinA - cosA) < 1e-10) {
    const x = 0.5 * sideShort;
    [wr, hr] = widthIsLonger ? [x / sinA, x / cosA] : [x / cosA, x / sinA];
  } else {
    const cos2a = cosA * cosA - sinA * sinA;
    wr = (width * cosA - height * sinA) / cos2a;
    hr = (height * cosA - width * sinA) / cos2a;
  }
  return {
    x_min: Math.max(0, Math.trunc(width / 2 - wr / 2)),
    x_max: Math.min(width, Math.trunc(width / 2 + wr / 2)),
    y_min: Math.max(0, Math.trunc(height / 2 - hr / 2)),
    y_max: Math.min(height, Math.trunc(height / 2 + hr / 2)),
  };
}

/**
 * Rotate by `angle = uniform(limit)` degrees about `(W/2 - 0.5, H/2 - 0.5)` with
 * `cv2.warpAffine` (output size unchanged, corners cut; p defaults to 0.5).
 * @example
 * new Rotate({ limit: [45, 90], borderMode: 0 });
 */
export class Rotate extends ImageOnlyTransform<RotateParams> {
  static readonly albumentationsArgs = ['limit', 'interpolation', 'border_mode', 'value', 'mask_value', 'rotate_method', 'crop_border'] as const;
  readonly className = 'Rotate';
  readonly limit: Range;
  readonly interpolation: InterpolationValue;
  readonly borderMode: BorderModeValue;
  readonly value: number | number[] | null;
  readonly maskValue: number | number[] | null;
  readonly rotateMethod: 'largest_box' | 'ellipse';
  readonly cropBorder: boolean;

  constructor(options: RotateOptions = {}) {
    const reader = readOptions('Rotate', options, ['limit', 'interpolation', 'borderMode', 'value', 'maskValue', 'rotateMethod', 'cropBorder']);
    super({ p: 0.5 }, reader);
    this.limit = reader.range('limit', 90);
    this.interpolation = reader.oneOf('interpolation', Interpolation.LINEAR, INTERPOLATIONS, INTERPOLATION_NAMES);
    this.borderMode = reader.oneOf('borderMode', BorderMode.REFLECT_101, BORDER_MODES, BORDER_MODE_NAMES);
    this.value = reader.fillValue('value');
    this.maskValue = reader.fillValue('maskValue');
    this.rotateMethod = reader.oneOf('rotateMethod', 'largest_box', ROTATE_METHODS);
    this.cropBorder = reader.boolean('cropBorder', false);
  }

  protected getParams(shape: ImageShape, rng: Rng): RotateParams {
    const angle = rng.uniform(this.limit[0], this.limit[1]);
    if (!this.cropBorder) return { angle };
    return { angle, ...rotatedRectWithMaxArea(shape.height, shape.width, angle) };
  }

  applyWithParams(image: RawImage, params: RotateParams): RawImage {
    return this.rotate(image, params, this.interpolation, this.value);
  }

  override applyToMask(mask: RawImage, params: RotateParams): RawImage {
    return this.rotate(mask, params, Interpolation.NEAREST, this.maskValue);
  }
  override applyToBbox(bbox: BBox, params: RotateParams & TargetShape): BBoxCoords {
    const rotated = bboxRotate(bbox, params.angle, this.rotateMethod, params.rows, params.cols);
    if (!this.cropBorder || params.x_min === undefined) return rotated;
    return bboxCrop(rotated, params.x_min, params.y_min!, params.x_max!, params.y_max!, params.rows, params.cols);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: RotateParams & TargetShape): KeypointCoords {
    const rotated = keypointRotate(keypoint, params.angle, params.rows, params.cols);
    if (!this.cropBorder || params.x_min === undefined) return rotated;
    return cropKeypointByCoords(rotated, [params.x_min, params.y_min!, params.x_max!, params.y_max!]);
  }

  private rotate(image: RawImage, params: RotateParams, interpolation: InterpolationValue, borderValue: number | number[] | null): RawImage {
    const matrix = rotationMatrix2D(image.width / 2 - 0.5, image.height / 2 - 0.5, params.angle, 1);
    const rotated = warpAffine(image, matrix, { interpolation, borderMode: this.borderMode, borderValue });
    if (!this.cropBorder || params.x_min === undefined) return rotated;
    const xMax = Math.max(params.x_max!, params.x_min + 1);
    const yMax = Math.max(params.y_max!, params.y_min! + 1);
    return crop(rotated, Math.min(params.x_min, image.width - 1), Math.min(params.y_min!, image.height - 1), Math.min(xMax, image.width), Math.min(yMax, image.height));
  }

  protected initArgs(): Record<string, unknown> {
    return {
      limit: this.limit,
      interpolation: this.interpolation,
      border_mode: this.borderMode,
      value: this.value,
      mask_value: this.maskValue,
      rotate_method: this.rotateMethod,
      crop_border: this.cropBorder,
    };
  }
}

interface ShiftScaleRotateParams {
  angle: number;
  scale: number;
  dx: number;
  dy: number;
}

export interface ShiftScaleRotateOptions extends TransformOptions {
  /** Shift as a fraction of the size, for both axes unless the per-axis limits are set. Default 0.0625. */
  shiftLimit?: number | Range;
  /** Scale range, given as a deviation from 1 (0.1 → [0.9, 1.1]). Default 0.1. */
  scaleLimit?: number | Range;
  /** Angle range in degrees. Default 45. */
  rotateLimit?: number | Range;
  interpolation?: InterpolationValue;
  borderMode?: BorderModeValue;
  value?: number | number[] | null;
  maskValue?: number | number[] | null;
  shiftLimitX?: number | Range | null;
  shiftLimitY?: number | Range | null;
  rotateMethod?: 'largest_box' | 'ellipse';
}

/**
 * Random affine: `angle, scale, dx, dy` drawn in that order; matrix from
 * `getRotationMatrix2D((W/2-0.5, H/2-0.5), angle, scale)` plus `(dx*W, dy*H)`; `cv2.warpAffine`.
 * @example
 * new ShiftScaleRotate({ shiftLimit: 0.1, scaleLimit: 0.2, rotateLimit: 30 });
 */
export class ShiftScaleRotate extends ImageOnlyTransform<ShiftScaleRotateParams> {
  static readonly albumentationsArgs = ['shift_limit_x', 'shift_limit_y', 'scale_limit', 'rotate_limit', 'interpolation', 'border_mode', 'value', 'mask_value', 'rotate_method', 'shift_limit'] as const;
  readonly className = 'ShiftScaleRotate';
  readonly shiftLimitX: Range;
  readonly shiftLimitY: Range;
  /** Scale range with the bias applied (e.g. [0.9, 1.1]). */
  readonly scaleLimit: Range;
  readonly rotateLimit: Range;
  readonly interpolation: InterpolationValue;
  readonly borderMode: BorderModeValue;
  readonly value: number | number[] | null;
  readonly maskValue: number | number[] | null;
  readonly rotateMethod: 'largest_box' | 'ellipse';

  constructor(options: ShiftScaleRotateOptions = {}) {
    const reader = readOptions('ShiftScaleRotate', options, [
      'shiftLimit', 'scaleLimit', 'rotateLimit', 'interpolation', 'borderMode', 'value', 'maskValue', 'shiftLimitX', 'shiftLimitY', 'rotateMethod',
    ]);
    super({ p: 0.5 }, reader);
    const shift = reader.range('shiftLimit', 0.0625);
    this.shiftLimitX = reader.raw('shiftLimitX') == null ? shift : reader.range('shiftLimitX', shift);
    this.shiftLimitY = reader.raw('shiftLimitY') == null ? shift : reader.range('shiftLimitY', shift);
    this.scaleLimit = reader.range('scaleLimit', 0.1, { bias: 1 });
    this.rotateLimit = reader.range('rotateLimit', 45);
    this.interpolation = reader.oneOf('interpolation', Interpolation.LINEAR, INTERPOLATIONS, INTERPOLATION_NAMES);
    this.borderMode = reader.oneOf('borderMode', BorderMode.REFLECT_101, BORDER_MODES, BORDER_MODE_NAMES);
    this.value = reader.fillValue('value');
    this.maskValue = reader.fillValue('maskValue');
    this.rotateMethod = reader.oneOf('rotateMethod', 'largest_box', ROTATE_METHODS);
  }

  protected getParams(_shape: ImageShape, rng: Rng): ShiftScaleRotateParams {
    const angle = rng.uniform(this.rotateLimit[0], this.rotateLimit[1]);
    const scale = rng.uniform(this.scaleLimit[0], this.scaleLimit[1]);
    const dx = rng.uniform(this.shiftLimitX[0], this.shiftLimitX[1]);
    const dy = rng.uniform(this.shiftLimitY[0], this.shiftLimitY[1]);
    return { angle, scale, dx, dy };
  }

  applyWithParams(image: RawImage, params: ShiftScaleRotateParams): RawImage {
    const matrix = shiftScaleRotateMatrix(image.width, image.height, params.angle, params.scale, params.dx, params.dy);
    return warpAffine(image, matrix, { interpolation: this.interpolation, borderMode: this.borderMode, borderValue: this.value });
  }

  override applyToMask(mask: RawImage, params: ShiftScaleRotateParams): RawImage {
    const matrix = shiftScaleRotateMatrix(mask.width, mask.height, params.angle, params.scale, params.dx, params.dy);
    return warpAffine(mask, matrix, { interpolation: Interpolation.NEAREST, borderMode: this.borderMode, borderValue: this.maskValue });
  }
  override applyToBbox(bbox: BBox, params: ShiftScaleRotateParams & TargetShape): BBoxCoords {
    return bboxShiftScaleRotate(bbox, params.angle, params.scale, params.dx, params.dy, this.rotateMethod, params.rows, params.cols);
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: ShiftScaleRotateParams & TargetShape): KeypointCoords {
    return keypointShiftScaleRotate(keypoint, params.angle, params.scale, params.dx, params.dy, params.rows, params.cols);
  }

  protected initArgs(): Record<string, unknown> {
    return {
      shift_limit_x: this.shiftLimitX,
      shift_limit_y: this.shiftLimitY,
      // albumentations stores the scale range without its +1 bias.
      scale_limit: [this.scaleLimit[0] - 1, this.scaleLimit[1] - 1],
      rotate_limit: this.rotateLimit,
      interpolation: this.interpolation,
      border_mode: this.borderMode,
      value: this.value,
      mask_value: this.maskValue,
      rotate_method: this.rotateMethod,
    };
  }
}

interface OpticalDistortionParams {
  k: number;
  dx: number;
  dy: number;
}

export interface OpticalDistortionOptions extends TransformOptions {
  /** Range of k (k1 = k2 = k). Default 0.05. */
  distortLimit?: number | Range;
  /** Range of the principal-point shift IN PIXELS, rounded half to even. Default 0.05 (so always 0). */
  shiftLimit?: number | Range;
  interpolation?: InterpolationValue;
  borderMode?: BorderModeValue;
  value?: number | number[] | null;
  maskValue?: number | number[] | null;
}

/**
 * Barrel/pincushion distortion via `initUndistortRectifyMap` + `remap`. Note (as in
 * albumentations 1.3): `dx, dy = round(uniform(shift_limit))` are pixels, and k = 0 is not the
 * identity (half-pixel shift).
 * @example
 * new OpticalDistortion({ distortLimit: 0.05, shiftLimit: 0.05 });
 */
export class OpticalDistortion extends ImageOnlyTransform<OpticalDistortionParams> {
  static readonly albumentationsArgs = ['distort_limit', 'shift_limit', 'interpolation', 'border_mode', 'value', 'mask_value'] as const;
  readonly className = 'OpticalDistortion';
  readonly distortLimit: Range;
  readonly shiftLimit: Range;
  readonly interpolation: InterpolationValue;
  readonly borderMode: BorderModeValue;
  readonly value: number | number[] | null;
  readonly maskValue: number | number[] | null;

  constructor(options: OpticalDistortionOptions = {}) {
    const reader = readOptions('OpticalDistortion', options, ['distortLimit', 'shiftLimit', 'interpolation', 'borderMode', 'value', 'maskValue']);
    super({ p: 0.5 }, reader);
    this.distortLimit = reader.range('distortLimit', 0.05);
    this.shiftLimit = reader.range('shiftLimit', 0.05);
    this.interpolation = reader.oneOf('interpolation', Interpolation.LINEAR, INTERPOLATIONS, INTERPOLATION_NAMES);
    this.borderMode = reader.oneOf('borderMode', BorderMode.REFLECT_101, BORDER_MODES, BORDER_MODE_NAMES);
    this.value = reader.fillValue('value');
    this.maskValue = reader.fillValue('maskValue');
  }

  protected getParams(_shape: ImageShape, rng: Rng): OpticalDistortionParams {
    const k = rng.uniform(this.distortLimit[0], this.distortLimit[1]);
    const dx = roundHalfEven(rng.uniform(this.shiftLimit[0], this.shiftLimit[1]));
    const dy = roundHalfEven(rng.uniform(this.shiftLimit[0], this.shiftLimit[1]));
    return { k, dx, dy };
  }

  applyWithParams(image: RawImage, params: OpticalDistortionParams): RawImage {
    return opticalDistortion(image, params.k, params.dx, params.dy, this.interpolation, this.borderMode, this.value);
  }

  override applyToMask(mask: RawImage, params: OpticalDistortionParams): RawImage {
    return opticalDistortion(mask, params.k, params.dx, params.dy, Interpolation.NEAREST, this.borderMode, this.maskValue);
  }

  protected initArgs(): Record<string, unknown> {
    return {
      distort_limit: this.distortLimit,
      shift_limit: this.shiftLimit,
      interpolation: this.interpolation,
      border_mode: this.borderMode,
      value: this.value,
      mask_value: this.maskValue,
    };
  }
}
