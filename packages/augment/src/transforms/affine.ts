/** Rotate, ShiftScaleRotate and OpticalDistortion (albumentations 1.3 semantics, OpenCV-exact pixels). */
import type { ImageShape, RawImage } from '../core/raw-image.js';
import type { Rng } from '../core/rng.js';
import type { Range } from '../core/options.js';
import { SchemaTransform, type TargetShape } from '../core/transform.js';
import type { BBox, BBoxCoords } from '../core/bbox-utils.js';
import type { InternalKeypoint, KeypointCoords } from '../core/keypoints-utils.js';
import { bboxCrop, bboxRotate, bboxShiftScaleRotate } from '../functional/bbox.js';
import { cropKeypointByCoords, keypointRotate, keypointShiftScaleRotate } from '../functional/keypoints.js';
import { OMIT, bool, defineOptions, enumOf, range, type OptionsOf } from '../core/schema.js';
import { Interpolation, roundHalfEven, type BorderModeValue, type InterpolationValue } from '../functional/common.js';
import {
  crop,
  opticalDistortion,
  rotationMatrix2D,
  shiftScaleRotateMatrix,
  warpAffine,
} from '../functional/geometric.js';
import { BORDER_FILLS, borderMode, interpolation } from './options.js';

const ROTATE_METHODS = ['largest_box', 'ellipse'] as const;

interface RotateParams {
  angle: number;
  x_min?: number;
  y_min?: number;
  x_max?: number;
  y_max?: number;
}

export type RotateOptions = OptionsOf<typeof Rotate.schema>;

/** albumentations `Rotate._rotated_rect_with_max_area`. */
function rotatedRectWithMaxArea(
  height: number,
  width: number,
  angle: number,
): { x_min: number; x_max: number; y_min: number; y_max: number } {
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
export class Rotate extends SchemaTransform<RotateParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Angle range in degrees; a number v means [-v, v]. Default 90. */
      limit: range(90),
      interpolation: interpolation(),
      /** Default 4 (BORDER_REFLECT_101). */
      borderMode: borderMode(),
      ...BORDER_FILLS,
      /** Only affects bounding boxes in albumentations; kept for serialization. Default 'largest_box'. */
      rotateMethod: enumOf(ROTATE_METHODS, 'largest_box'),
      /** Crop to the largest axis-aligned rectangle inside the rotated image. Default false. */
      cropBorder: bool(false),
    },
  );
  readonly className = 'Rotate';
  declare readonly limit: Range;
  declare readonly interpolation: InterpolationValue;
  declare readonly borderMode: BorderModeValue;
  declare readonly value: number | number[] | null;
  declare readonly maskValue: number | number[] | null;
  declare readonly rotateMethod: 'largest_box' | 'ellipse';
  declare readonly cropBorder: boolean;

  constructor(options: RotateOptions = {}) {
    super(Rotate.schema.read('Rotate', options));
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

  private rotate(
    image: RawImage,
    params: RotateParams,
    interpolation: InterpolationValue,
    borderValue: number | number[] | null,
  ): RawImage {
    const matrix = rotationMatrix2D(image.width / 2 - 0.5, image.height / 2 - 0.5, params.angle, 1);
    const rotated = warpAffine(image, matrix, { interpolation, borderMode: this.borderMode, borderValue });
    if (!this.cropBorder || params.x_min === undefined) return rotated;
    const xMax = Math.max(params.x_max!, params.x_min + 1);
    const yMax = Math.max(params.y_max!, params.y_min! + 1);
    return crop(
      rotated,
      Math.min(params.x_min, image.width - 1),
      Math.min(params.y_min!, image.height - 1),
      Math.min(xMax, image.width),
      Math.min(yMax, image.height),
    );
  }
}

interface ShiftScaleRotateParams {
  angle: number;
  scale: number;
  dx: number;
  dy: number;
}

export type ShiftScaleRotateOptions = OptionsOf<typeof ShiftScaleRotate.schema>;

/**
 * Random affine: `angle, scale, dx, dy` drawn in that order; matrix from
 * `getRotationMatrix2D((W/2-0.5, H/2-0.5), angle, scale)` plus `(dx*W, dy*H)`; `cv2.warpAffine`.
 * @example
 * new ShiftScaleRotate({ shiftLimit: 0.1, scaleLimit: 0.2, rotateLimit: 30 });
 */
export class ShiftScaleRotate extends SchemaTransform<ShiftScaleRotateParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Per-axis shift limits; null or absent: `shiftLimit`. */
      shiftLimitX: range((get) => get('shiftLimit') as Range, { nullable: true }),
      shiftLimitY: range((get) => get('shiftLimit') as Range, { nullable: true }),
      /** Scale range, given as a deviation from 1 (0.1 → [0.9, 1.1]). Default 0.1. */
      scaleLimit: range(0.1, { bias: 1 }),
      /** Angle range in degrees. Default 45. */
      rotateLimit: range(45),
      interpolation: interpolation(),
      borderMode: borderMode(),
      ...BORDER_FILLS,
      rotateMethod: enumOf(ROTATE_METHODS, 'largest_box'),
      /**
       * Shift as a fraction of the size, for both axes unless the per-axis limits are set. Default
       * 0.0625. Not in `to_dict` (albumentations writes the per-axis limits).
       */
      shiftLimit: range(0.0625, { toDict: () => OMIT }),
    },
  );
  readonly className = 'ShiftScaleRotate';
  declare readonly shiftLimitX: Range;
  declare readonly shiftLimitY: Range;
  /** Scale range with the bias applied (e.g. [0.9, 1.1]). */
  declare readonly scaleLimit: Range;
  declare readonly rotateLimit: Range;
  declare readonly interpolation: InterpolationValue;
  declare readonly borderMode: BorderModeValue;
  declare readonly value: number | number[] | null;
  declare readonly maskValue: number | number[] | null;
  declare readonly rotateMethod: 'largest_box' | 'ellipse';
  declare readonly shiftLimit: Range;

  constructor(options: ShiftScaleRotateOptions = {}) {
    super(ShiftScaleRotate.schema.read('ShiftScaleRotate', options));
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
    return warpAffine(image, matrix, {
      interpolation: this.interpolation,
      borderMode: this.borderMode,
      borderValue: this.value,
    });
  }

  override applyToMask(mask: RawImage, params: ShiftScaleRotateParams): RawImage {
    const matrix = shiftScaleRotateMatrix(mask.width, mask.height, params.angle, params.scale, params.dx, params.dy);
    return warpAffine(mask, matrix, {
      interpolation: Interpolation.NEAREST,
      borderMode: this.borderMode,
      borderValue: this.maskValue,
    });
  }
  override applyToBbox(bbox: BBox, params: ShiftScaleRotateParams & TargetShape): BBoxCoords {
    return bboxShiftScaleRotate(
      bbox,
      params.angle,
      params.scale,
      params.dx,
      params.dy,
      this.rotateMethod,
      params.rows,
      params.cols,
    );
  }
  override applyToKeypoint(keypoint: InternalKeypoint, params: ShiftScaleRotateParams & TargetShape): KeypointCoords {
    return keypointShiftScaleRotate(
      keypoint,
      params.angle,
      params.scale,
      params.dx,
      params.dy,
      params.rows,
      params.cols,
    );
  }
}

interface OpticalDistortionParams {
  k: number;
  dx: number;
  dy: number;
}

export type OpticalDistortionOptions = OptionsOf<typeof OpticalDistortion.schema>;

/**
 * Barrel/pincushion distortion via `initUndistortRectifyMap` + `remap`. Note (as in
 * albumentations 1.3): `dx, dy = round(uniform(shift_limit))` are pixels, and k = 0 is not the
 * identity (half-pixel shift).
 * @example
 * new OpticalDistortion({ distortLimit: 0.05, shiftLimit: 0.05 });
 */
export class OpticalDistortion extends SchemaTransform<OpticalDistortionParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Range of k (k1 = k2 = k). Default 0.05. */
      distortLimit: range(0.05),
      /** Range of the principal-point shift IN PIXELS, rounded half to even. Default 0.05 (so always 0). */
      shiftLimit: range(0.05),
      interpolation: interpolation(),
      borderMode: borderMode(),
      ...BORDER_FILLS,
    },
  );
  readonly className = 'OpticalDistortion';
  declare readonly distortLimit: Range;
  declare readonly shiftLimit: Range;
  declare readonly interpolation: InterpolationValue;
  declare readonly borderMode: BorderModeValue;
  declare readonly value: number | number[] | null;
  declare readonly maskValue: number | number[] | null;

  constructor(options: OpticalDistortionOptions = {}) {
    super(OpticalDistortion.schema.read('OpticalDistortion', options));
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
    return opticalDistortion(
      mask,
      params.k,
      params.dx,
      params.dy,
      Interpolation.NEAREST,
      this.borderMode,
      this.maskValue,
    );
  }
}
