/**
 * The `keypoint_*` functions of albumentations 1.3.1's geometric and crop functional modules (same
 * float64 arithmetic, same order). Formats, conversions and filters (albumentations'
 * `core/keypoints_utils.py`) are in ../core/keypoints-utils.ts. Like albumentations' functions,
 * these return `[x, y, angle, scale]`; the transforms put the labels back.
 */
import { KeypointError, angleTo2piRange, type InternalKeypoint, type KeypointCoords } from '../core/keypoints-utils.js';
import { fma, roundHalfEven } from '../cv/saturate.js';
import { rotationMatrix2D, type AffineMatrix } from '../cv/warp.js';
import { centerCropCoords, randomCropCoords } from './bbox.js';

const radians = (degrees: number): number => degrees * (Math.PI / 180); // math.radians

/** albumentations' `@angle_2pi_range` decorator: keeps `[x, y, angle, scale]`, angle wrapped. */
const wrapped = ([x, y, angle, scale]: KeypointCoords): KeypointCoords => [x, y, angleTo2piRange(angle), scale];

/** albumentations `keypoint_vflip`. @example keypointVflip([10, 20, 0.5, 1], 100, 100); // [10, 79, 2π - 0.5, 1] */
export function keypointVflip(keypoint: InternalKeypoint, rows: number): KeypointCoords {
  const [x, y, angle, scale] = keypoint;
  return wrapped([x, rows - 1 - y, -angle, scale]);
}

/** albumentations `keypoint_hflip`. @example keypointHflip([10, 20, 0.5, 1], 100); // [89, 20, π - 0.5, 1] */
export function keypointHflip(keypoint: InternalKeypoint, cols: number): KeypointCoords {
  const [x, y, angle, scale] = keypoint;
  return wrapped([cols - 1 - x, y, Math.PI - angle, scale]);
}

/**
 * albumentations `keypoint_flip`: `d` 0 vertical, 1 horizontal, -1 both.
 * @example keypointFlip([10, 20, 0, 1], -1, 100, 100);
 */
export function keypointFlip(keypoint: InternalKeypoint, d: number, rows: number, cols: number): KeypointCoords {
  if (d === 0) return keypointVflip(keypoint, rows);
  if (d === 1) return keypointHflip(keypoint, cols);
  if (d === -1) return keypointVflip(keypointHflip(keypoint, cols), rows);
  throw new KeypointError(`Invalid d value ${d}. Valid values are -1, 0 and 1`);
}

/** albumentations `keypoint_transpose` (no angle wrapping). @example keypointTranspose([10, 20, 0.5, 1]); // [20, 10, π - 0.5, 1] */
export function keypointTranspose(keypoint: InternalKeypoint): KeypointCoords {
  const [x, y, angle, scale] = keypoint;
  return [y, x, angle <= Math.PI ? Math.PI - angle : 3 * Math.PI - angle, scale];
}

/** albumentations `keypoint_rot90`. @example keypointRot90([10, 20, 0, 1], 1, 100, 100); // [20, 89, 3π/2, 1] */
export function keypointRot90(keypoint: InternalKeypoint, factor: number, rows: number, cols: number): KeypointCoords {
  const [x, y, angle, scale] = keypoint;
  if (![0, 1, 2, 3].includes(factor)) throw new KeypointError('Parameter n must be in set {0, 1, 2, 3}');
  if (factor === 1) return wrapped([y, cols - 1 - x, angle - Math.PI / 2, scale]);
  if (factor === 2) return wrapped([cols - 1 - x, rows - 1 - y, angle - Math.PI, scale]);
  if (factor === 3) return wrapped([rows - 1 - y, x, angle + Math.PI / 2, scale]);
  return wrapped([x, y, angle, scale]);
}

/**
 * `cv2.transform` of one point: `fma(m0, x, m1*y) + m2` (OpenCV's AVX2/AVX-512 builds contract
 * the sum so). albumentations passes `np.array([[[x, y]]])`: integer x and y make an int64 array,
 * which cv2 converts to int32 and rounds the result to (half to even). A JS number cannot tell
 * 20 from 20.0, so integral x and y are taken as Python ints here.
 */
function transformPoint(matrix: AffineMatrix, x: number, y: number): [number, number] {
  const outX = fma(matrix[0], x, matrix[1] * y) + matrix[2];
  const outY = fma(matrix[3], x, matrix[4] * y) + matrix[5];
  if (!Number.isInteger(x) || !Number.isInteger(y)) return [outX, outY];
  const toInt32 = (value: number): number => Math.max(-2147483648, Math.min(2147483647, roundHalfEven(value)));
  return [toInt32(outX), toInt32(outY)];
}

/**
 * albumentations `keypoint_rotate`: about `((W-1)/2, (H-1)/2)` by `angle` degrees; the angle grows by it.
 * @example keypointRotate([10.5, 20, 0, 1], 30, 100, 100);
 */
export function keypointRotate(keypoint: InternalKeypoint, angle: number, rows: number, cols: number): KeypointCoords {
  const matrix = rotationMatrix2D((cols - 1) * 0.5, (rows - 1) * 0.5, angle, 1);
  const [x, y, a, s] = keypoint;
  const [outX, outY] = transformPoint(matrix, x, y);
  return wrapped([outX, outY, a + radians(angle), s]);
}

/**
 * albumentations `keypoint_shift_scale_rotate`: rotation and scale about `((W-1)/2, (H-1)/2)`, then
 * the shift `(dx*W, dy*H)`; angle grows by `angle`, scale is multiplied by `scale`.
 * @example keypointShiftScaleRotate([10.5, 20, 0, 1], 30, 1.2, 0.1, 0, 100, 100);
 */
export function keypointShiftScaleRotate(
  keypoint: InternalKeypoint,
  angle: number,
  scale: number,
  dx: number,
  dy: number,
  rows: number,
  cols: number,
): KeypointCoords {
  const [x, y, a, s] = keypoint;
  const matrix = rotationMatrix2D((cols - 1) * 0.5, (rows - 1) * 0.5, angle, scale);
  matrix[2] += dx * cols;
  matrix[5] += dy * rows;
  const [outX, outY] = transformPoint(matrix, x, y);
  return wrapped([outX, outY, a + radians(angle), s * scale]);
}

/** albumentations `keypoint_scale`. @example keypointScale([10, 20, 0, 1], 2, 3); // [20, 60, 0, 3] */
export function keypointScale(keypoint: InternalKeypoint, scaleX: number, scaleY: number): KeypointCoords {
  const [x, y, angle, scale] = keypoint;
  return [x * scaleX, y * scaleY, angle, scale * Math.max(scaleX, scaleY)];
}

/** albumentations `crop_keypoint_by_coords`. @example cropKeypointByCoords([30, 40, 0, 1], [10, 10, 60, 60]); // [20, 30, 0, 1] */
export function cropKeypointByCoords(
  keypoint: InternalKeypoint,
  cropCoords: readonly [number, number, number, number],
): KeypointCoords {
  const [x, y, angle, scale] = keypoint;
  return [x - cropCoords[0], y - cropCoords[1], angle, scale];
}

/** albumentations `keypoint_random_crop`. @example keypointRandomCrop([30, 40, 0, 1], 50, 50, 0.5, 0.5, 100, 100); */
export function keypointRandomCrop(
  keypoint: InternalKeypoint,
  cropHeight: number,
  cropWidth: number,
  hStart: number,
  wStart: number,
  rows: number,
  cols: number,
): KeypointCoords {
  return cropKeypointByCoords(keypoint, randomCropCoords(rows, cols, cropHeight, cropWidth, hStart, wStart));
}

/** albumentations `keypoint_center_crop`. @example keypointCenterCrop([30, 40, 0, 1], 50, 50, 100, 100); */
export function keypointCenterCrop(
  keypoint: InternalKeypoint,
  cropHeight: number,
  cropWidth: number,
  rows: number,
  cols: number,
): KeypointCoords {
  return cropKeypointByCoords(keypoint, centerCropCoords(rows, cols, cropHeight, cropWidth));
}
