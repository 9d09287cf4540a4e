/**
 * Keypoints, as albumentations 1.3.1's `core/keypoints_utils.py`: the formats, conversion to and
 * from albumentations' internal keypoint, checks and filters that `Compose` runs (the per-transform
 * `keypoint_*` functions are in ../functional/keypoints.ts).
 *
 * albumentations' internal keypoint is `[x, y, angle, scale, ...labels]` in pixels, the angle in
 * radians in [0, 2π). User formats: `xy`, `yx`, `xya`, `xys`, `xyas`, `xysa` (angle in degrees
 * unless `angleInDegrees` is false).
 */

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
      throw new KeypointError(
        `Expected ${name} for keypoint ${formatKeypoint(keypoint)} to be in the range [0.0, ${size}], got ${value}.`,
      );
    }
  }
  const angle = keypoint[2];
  if (!(0 <= angle && angle < TWO_PI))
    throw new KeypointError(`Keypoint angle must be in range [0, 2 * PI). Got: ${angle}`);
}

/** {@link checkKeypoint} over a list. @example checkKeypoints([[10, 20, 0, 1]], 100, 100); */
export function checkKeypoints(keypoints: readonly InternalKeypoint[], rows: number, cols: number): void {
  for (const keypoint of keypoints) checkKeypoint(keypoint, rows, cols);
}

/**
 * Drops keypoints outside the `rows x cols` image when `removeInvisible` (albumentations `filter_keypoints`).
 * @example filterKeypoints([[10, 20, 0, 0], [-1, 5, 0, 0]], 100, 100, true); // [[10, 20, 0, 0]]
 */
export function filterKeypoints<K extends readonly unknown[]>(
  keypoints: readonly K[],
  rows: number,
  cols: number,
  removeInvisible: boolean,
): K[] {
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
  const head: Record<string, number[]> = {
    xy: [x, y],
    yx: [y, x],
    xya: [x, y, angle],
    xys: [x, y, scale],
    xyas: [x, y, angle, scale],
    xysa: [x, y, scale, angle],
  };
  return [...head[targetFormat]!, ...rest] as unknown as Keypoint;
}

/** {@link convertKeypointToAlbumentations} over a list. @example convertKeypointsToAlbumentations([[1, 2]], 'xy', 10, 10); */
export function convertKeypointsToAlbumentations(
  keypoints: readonly Keypoint[],
  sourceFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
  angleInDegrees = true,
): InternalKeypoint[] {
  return keypoints.map((keypoint) =>
    convertKeypointToAlbumentations(keypoint, sourceFormat, rows, cols, checkValidity, angleInDegrees),
  );
}

/** {@link convertKeypointFromAlbumentations} over a list. @example convertKeypointsFromAlbumentations([[1, 2, 0, 0]], 'xy', 10, 10); */
export function convertKeypointsFromAlbumentations(
  keypoints: readonly InternalKeypoint[],
  targetFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
  angleInDegrees = true,
): Keypoint[] {
  return keypoints.map((keypoint) =>
    convertKeypointFromAlbumentations(keypoint, targetFormat, rows, cols, checkValidity, angleInDegrees),
  );
}
