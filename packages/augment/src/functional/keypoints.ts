/**
 * Keypoints, as albumentations 1.3.1's `core/keypoints_utils.py` and the `keypoint_*` functions
 * of its geometric and crop functional modules (same float64 arithmetic, same order).
 *
 * albumentations' internal keypoint is `[x, y, angle, scale, ...labels]` in pixels, the angle in
 * radians in [0, 2π). User formats: `xy`, `yx`, `xya`, `xys`, `xyas`, `xysa` (angle in degrees
 * unless `angleInDegrees` is false). Like albumentations' functions, the per-transform
 * `keypoint*` functions return `[x, y, angle, scale]`; the transforms put the labels back.
 */
import { rotationMatrix2D, type AffineMatrix } from './geometric.js';
import { centerCropCoords, fma, randomCropCoords } from './bbox.js';
import { roundHalfEven } from './common.js';

/** A keypoint in one of the user formats: two to four numbers, then any labels. */
export type Keypoint = readonly [number, number, ...unknown[]];
/** albumentations' internal keypoint `[x, y, angle (radians), scale, ...labels]`. */
export type InternalKeypoint = readonly [number, number, number, number, ...unknown[]];
export type KeypointCoords = [number, number, number, number];

export const KEYPOINT_FORMATS = ['xy', 'yx', 'xya', 'xys', 'xyas', 'xysa'] as const;
export type KeypointFormat = (typeof KEYPOINT_FORMATS)[number];

/** An error albumentations raises as `ValueError` for a keypoint. */
export class KeypointError extends Error {
  override name = 'KeypointError';
}

const TWO_PI = 2 * Math.PI;

/**
 * Python's `angle % (2π)`: the result has the sign of 2π (albumentations `angle_to_2pi_range`).
 * @example angleTo2piRange(-Math.PI / 2); // 4.71238898038469
 */
export function angleTo2piRange(angle: number): number {
  const remainder = angle % TWO_PI; // C fmod, as CPython's float remainder starts
  if (remainder === 0) return 0;
  return remainder < 0 ? remainder + TWO_PI : remainder;
}

const radians = (degrees: number): number => degrees * (Math.PI / 180); // math.radians
const degrees = (angle: number): number => angle * (180 / Math.PI); // math.degrees

function formatKeypoint(keypoint: readonly unknown[]): string {
  return `(${keypoint.map((value) => (typeof value === 'string' ? `'${value}'` : String(value))).join(', ')})`;
}

/**
 * Throws unless `0 <= x < cols`, `0 <= y < rows` and the angle is in [0, 2π)
 * (albumentations `check_keypoint`).
 * @example checkKeypoint([10, 20, 0, 1], 100, 100);
 */
export function checkKeypoint(keypoint: InternalKeypoint, rows: number, cols: number): void {
  const checks: [string, number, number][] = [
    ['x', keypoint[0], cols],
    ['y', keypoint[1], rows],
  ];
  for (const [name, value, size] of checks) {
    if (!(0 <= value && value < size)) {
      throw new KeypointError(`Expected ${name} for keypoint ${formatKeypoint(keypoint)} to be in the range [0.0, ${size}], got ${value}.`);
    }
  }
  const angle = keypoint[2];
  if (!(0 <= angle && angle < TWO_PI)) throw new KeypointError(`Keypoint angle must be in range [0, 2 * PI). Got: ${angle}`);
}

/** {@link checkKeypoint} over a list. @example checkKeypoints([[10, 20, 0, 1]], 100, 100); */
export function checkKeypoints(keypoints: readonly InternalKeypoint[], rows: number, cols: number): void {
  for (const keypoint of keypoints) checkKeypoint(keypoint, rows, cols);
}

/**
 * Drops keypoints outside the `rows x cols` image when `removeInvisible` (albumentations `filter_keypoints`).
 * @example filterKeypoints([[10, 20, 0, 0], [-1, 5, 0, 0]], 100, 100, true); // [[10, 20, 0, 0]]
 */
export function filterKeypoints<K extends readonly unknown[]>(keypoints: readonly K[], rows: number, cols: number, removeInvisible: boolean): K[] {
  if (!removeInvisible) return keypoints.slice();
  return keypoints.filter((keypoint) => {
    const x = keypoint[0] as number;
    const y = keypoint[1] as number;
    return !(x < 0 || x >= cols) && !(y < 0 || y >= rows);
  });
}

function checkFormat(format: string): void {
  if (!(KEYPOINT_FORMATS as readonly string[]).includes(format)) {
    throw new KeypointError(`Unknown target_format ${format}. Supported formats are: ${KEYPOINT_FORMATS.join(', ')}`);
  }
}

/**
 * A keypoint in `sourceFormat` to `[x, y, angle (radians, [0, 2π)), scale, ...labels]`
 * (albumentations `convert_keypoint_to_albumentations`).
 * @example convertKeypointToAlbumentations([20, 30, 90, 2, 'eye'], 'xyas', 100, 100); // [20, 30, π/2, 2, 'eye']
 */
export function convertKeypointToAlbumentations(
  keypoint: Keypoint,
  sourceFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
  angleInDegrees = true,
): InternalKeypoint {
  checkFormat(sourceFormat);
  const k = keypoint as readonly number[];
  let x: number;
  let y: number;
  let a = 0;
  let s = 0;
  let rest: readonly unknown[];
  switch (sourceFormat) {
    case 'xy':
      [x, y] = k as [number, number];
      rest = keypoint.slice(2);
      break;
    case 'yx':
      [y, x] = k as [number, number];
      rest = keypoint.slice(2);
      break;
    case 'xya':
      [x, y, a] = k as [number, number, number];
      rest = keypoint.slice(3);
      break;
    case 'xys':
      [x, y, s] = k as [number, number, number];
      rest = keypoint.slice(3);
      break;
    case 'xyas':
      [x, y, a, s] = k as [number, number, number, number];
      rest = keypoint.slice(4);
      break;
    default: // xysa
      [x, y, s, a] = k as [number, number, number, number];
      rest = keypoint.slice(4);
  }
  if (angleInDegrees) a = radians(a);
  const result = [x, y, angleTo2piRange(a), s, ...rest] as unknown as InternalKeypoint;
  if (checkValidity) checkKeypoint(result, rows, cols);
  return result;
}

/**
 * An internal keypoint back to `targetFormat` (albumentations `convert_keypoint_from_albumentations`).
 * @example convertKeypointFromAlbumentations([20, 30, Math.PI / 2, 2], 'xya', 100, 100); // [20, 30, 90]
 */
export function convertKeypointFromAlbumentations(
  keypoint: InternalKeypoint,
  targetFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
  angleInDegrees = true,
): Keypoint {
  checkFormat(targetFormat);
  const [x, y, rawAngle, scale] = keypoint;
  const rest = keypoint.slice(4);
  let angle = angleTo2piRange(rawAngle);
  if (checkValidity) checkKeypoint([x, y, angle, scale], rows, cols);
  if (angleInDegrees) angle = degrees(angle);
  const head: Record<string, number[]> = { xy: [x, y], yx: [y, x], xya: [x, y, angle], xys: [x, y, scale], xyas: [x, y, angle, scale], xysa: [x, y, scale, angle] };
  return [...head[targetFormat]!, ...rest] as unknown as Keypoint;
}

/** {@link convertKeypointToAlbumentations} over a list. @example convertKeypointsToAlbumentations([[1, 2]], 'xy', 10, 10); */
export function convertKeypointsToAlbumentations(keypoints: readonly Keypoint[], sourceFormat: string, rows: number, cols: number, checkValidity = false, angleInDegrees = true): InternalKeypoint[] {
  return keypoints.map((keypoint) => convertKeypointToAlbumentations(keypoint, sourceFormat, rows, cols, checkValidity, angleInDegrees));
}

/** {@link convertKeypointFromAlbumentations} over a list. @example convertKeypointsFromAlbumentations([[1, 2, 0, 0]], 'xy', 10, 10); */
export function convertKeypointsFromAlbumentations(keypoints: readonly InternalKeypoint[], targetFormat: string, rows: number, cols: number, checkValidity = false, angleInDegrees = true): Keypoint[] {
  return keypoints.map((keypoint) => convertKeypointFromAlbumentations(keypoint, targetFormat, rows, cols, checkValidity, angleInDegrees));
}

// ------------------------------------------------------------------------ per-transform

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
export function keypointShiftScaleRotate(keypoint: InternalKeypoint, angle: number, scale: number, dx: number, dy: number, rows: number, cols: number): KeypointCoords {
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
export function cropKeypointByCoords(keypoint: InternalKeypoint, cropCoords: readonly [number, number, number, number]): KeypointCoords {
  const [x, y, angle, scale] = keypoint;
  return [x - cropCoords[0], y - cropCoords[1], angle, scale];
}

/** albumentations `keypoint_random_crop`. @example keypointRandomCrop([30, 40, 0, 1], 50, 50, 0.5, 0.5, 100, 100); */
export function keypointRandomCrop(keypoint: InternalKeypoint, cropHeight: number, cropWidth: number, hStart: number, wStart: number, rows: number, cols: number): KeypointCoords {
  return cropKeypointByCoords(keypoint, randomCropCoords(rows, cols, cropHeight, cropWidth, hStart, wStart));
}

/** albumentations `keypoint_center_crop`. @example keypointCenterCrop([30, 40, 0, 1], 50, 50, 100, 100); */
export function keypointCenterCrop(keypoint: InternalKeypoint, cropHeight: number, cropWidth: number, rows: number, cols: number): KeypointCoords {
  return cropKeypointByCoords(keypoint, centerCropCoords(rows, cols, cropHeight, cropWidth));
}
