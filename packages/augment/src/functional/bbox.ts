/**
 * Bounding boxes, as albumentations 1.3.1's `core/bbox_utils.py` and the `bbox_*` functions of
 * its geometric and crop functional modules: the same float64 arithmetic in the same order, so
 * the results are the same doubles (where NumPy's own sin/cos is involved, see {@link bboxRotate}).
 *
 * A box is `[x_min, y_min, x_max, y_max, ...labels]`; "albumentations" format means coordinates
 * normalised to [0, 1] by the image width (x) and height (y). Like albumentations' functions,
 * the per-transform `bbox*` functions return the four coordinates only; the transforms' own
 * `applyToBboxes` put the labels back.
 */
import { rotationMatrix2D, type AffineMatrix } from './geometric.js';

/** A bounding box: four coordinates, then any labels (class ids, names...). */
export type BBox = readonly [number, number, number, number, ...unknown[]];
/** The four coordinates of a bounding box. */
export type BBoxCoords = [number, number, number, number];

/** albumentations' bounding box formats. */
export const BBOX_FORMATS = ['pascal_voc', 'albumentations', 'coco', 'yolo'] as const;
export type BBoxFormat = (typeof BBOX_FORMATS)[number];

/** An error albumentations raises as `ValueError` (bad box, bad format, bad size). */
export class BBoxError extends Error {
  override name = 'BBoxError';
}

function checkSize(rows: number, cols: number): void {
  if (rows <= 0) throw new BBoxError('Argument rows must be positive integer');
  if (cols <= 0) throw new BBoxError('Argument cols must be positive integer');
}

const tail = (bbox: readonly unknown[]): unknown[] => bbox.slice(4);
const withTail = (coords: BBoxCoords, bbox: readonly unknown[]): BBox => [...coords, ...tail(bbox)] as unknown as BBox;

/**
 * Divides x by the width and y by the height (albumentations `normalize_bbox`); labels are kept.
 * @example
 * normalizeBbox([15, 12, 75, 30, 'cat'], 100, 200); // [0.075, 0.12, 0.375, 0.3, 'cat']
 */
export function normalizeBbox(bbox: BBox, rows: number, cols: number): BBox {
  checkSize(rows, cols);
  const [xMin, yMin, xMax, yMax] = bbox;
  return withTail([xMin / cols, yMin / rows, xMax / cols, yMax / rows], bbox);
}

/**
 * Multiplies x by the width and y by the height (albumentations `denormalize_bbox`).
 * @example
 * denormalizeBbox([0.075, 0.12, 0.375, 0.3], 100, 200); // [15, 12, 75, 30]
 */
export function denormalizeBbox(bbox: BBox, rows: number, cols: number): BBox {
  checkSize(rows, cols);
  const [xMin, yMin, xMax, yMax] = bbox;
  return withTail([xMin * cols, yMin * rows, xMax * cols, yMax * rows], bbox);
}

/** {@link normalizeBbox} over a list. @example normalizeBboxes([[15, 12, 75, 30]], 100, 200); */
export function normalizeBboxes(bboxes: readonly BBox[], rows: number, cols: number): BBox[] {
  return bboxes.map((bbox) => normalizeBbox(bbox, rows, cols));
}

/** {@link denormalizeBbox} over a list. @example denormalizeBboxes([[0.1, 0.1, 0.5, 0.5]], 100, 200); */
export function denormalizeBboxes(bboxes: readonly BBox[], rows: number, cols: number): BBox[] {
  return bboxes.map((bbox) => denormalizeBbox(bbox, rows, cols));
}

/**
 * Area in (fractional) pixels of a normalised box (albumentations `calculate_bbox_area`).
 * @example
 * calculateBboxArea([0, 0, 0.5, 0.5], 100, 100); // 2500
 */
export function calculateBboxArea(bbox: BBox, rows: number, cols: number): number {
  const [xMin, yMin, xMax, yMax] = denormalizeBbox(bbox, rows, cols);
  return (xMax - xMin) * (yMax - yMin);
}

/**
 * Keeps the transformed boxes still inside [0, 1] whose area is at least `minArea` pixels and at
 * least `threshold` of the original box's area (albumentations `filter_bboxes_by_visibility`).
 * @example
 * filterBboxesByVisibility([100, 100], before, [50, 50], after, 0.5);
 */
export function filterBboxesByVisibility(
  originalShape: readonly number[],
  bboxes: readonly BBox[],
  transformedShape: readonly number[],
  transformedBboxes: readonly BBox[],
  threshold = 0,
  minArea = 0,
): BBox[] {
  const [height, width] = originalShape as [number, number];
  const [transformedHeight, transformedWidth] = transformedShape as [number, number];
  const visible: BBox[] = [];
  const count = Math.min(bboxes.length, transformedBboxes.length);
  for (let index = 0; index < count; index++) {
    const transformed = transformedBboxes[index]!;
    if (!transformed.slice(0, 4).every((value) => 0 <= (value as number) && (value as number) <= 1)) continue;
    const area = calculateBboxArea(bboxes[index]!, height, width);
    const transformedArea = calculateBboxArea(transformed, transformedHeight, transformedWidth);
    if (transformedArea < minArea) continue;
    if (transformedArea / area >= threshold) visible.push(transformed);
  }
  return visible;
}

function checkFormat(format: string, direction: 'source' | 'target'): void {
  if (format !== 'coco' && format !== 'pascal_voc' && format !== 'yolo') {
    throw new BBoxError(`Unknown ${direction}_format ${format}. Supported formats are: 'coco', 'pascal_voc' and 'yolo'`);
  }
}

/**
 * One box from `coco` (`x, y, w, h` pixels), `pascal_voc` (`x_min, y_min, x_max, y_max` pixels) or
 * `yolo` (normalised centre and size) to albumentations' normalised corners
 * (albumentations `convert_bbox_to_albumentations`).
 * @example
 * convertBboxToAlbumentations([10, 20, 30, 40, 7], 'coco', 100, 200); // [0.05, 0.2, 0.2, 0.6, 7]
 */
export function convertBboxToAlbumentations(bbox: BBox, sourceFormat: string, rows: number, cols: number, checkValidity = false): BBox {
  checkFormat(sourceFormat, 'source');
  let coords: BBoxCoords;
  if (sourceFormat === 'coco') {
    const [xMin, yMin, width, height] = bbox;
    coords = [xMin, yMin, xMin + width, yMin + height];
  } else if (sourceFormat === 'yolo') {
    if (checkValidity && bbox.slice(0, 4).some((value) => (value as number) <= 0 || (value as number) > 1)) {
      throw new BBoxError('In YOLO format all coordinates must be float and in range (0, 1]');
    }
    const [x, y, w, h] = bbox;
    const xMin = x - w / 2;
    const yMin = y - h / 2;
    coords = [xMin, yMin, xMin + w, yMin + h];
  } else {
    coords = [bbox[0], bbox[1], bbox[2], bbox[3]];
  }
  let result = withTail(coords, bbox);
  if (sourceFormat !== 'yolo') result = normalizeBbox(result, rows, cols);
  if (checkValidity) checkBbox(result);
  return result;
}

/**
 * One box from albumentations' normalised corners to `coco`, `pascal_voc` or `yolo`
 * (albumentations `convert_bbox_from_albumentations`).
 * @example
 * convertBboxFromAlbumentations([0.05, 0.2, 0.2, 0.6], 'pascal_voc', 100, 200); // [10, 20, 40, 60]
 */
export function convertBboxFromAlbumentations(bbox: BBox, targetFormat: string, rows: number, cols: number, checkValidity = false): BBox {
  checkFormat(targetFormat, 'target');
  if (checkValidity) checkBbox(bbox);
  let result = bbox;
  if (targetFormat !== 'yolo') result = denormalizeBbox(result, rows, cols);
  const [xMin, yMin, xMax, yMax] = result;
  if (targetFormat === 'coco') return withTail([xMin, yMin, xMax - xMin, yMax - yMin], result);
  if (targetFormat === 'yolo') return withTail([(xMin + xMax) / 2, (yMin + yMax) / 2, xMax - xMin, yMax - yMin], result);
  return result;
}

/** {@link convertBboxToAlbumentations} over a list. @example convertBboxesToAlbumentations(boxes, 'coco', 480, 640); */
export function convertBboxesToAlbumentations(bboxes: readonly BBox[], sourceFormat: string, rows: number, cols: number, checkValidity = false): BBox[] {
  return bboxes.map((bbox) => convertBboxToAlbumentations(bbox, sourceFormat, rows, cols, checkValidity));
}

/** {@link convertBboxFromAlbumentations} over a list. @example convertBboxesFromAlbumentations(boxes, 'yolo', 480, 640); */
export function convertBboxesFromAlbumentations(bboxes: readonly BBox[], targetFormat: string, rows: number, cols: number, checkValidity = false): BBox[] {
  return bboxes.map((bbox) => convertBboxFromAlbumentations(bbox, targetFormat, rows, cols, checkValidity));
}

/** NumPy `isclose(a, b)` with its defaults (rtol 1e-5, atol 1e-8). */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b);
}

function formatBox(bbox: BBox): string {
  return `(${bbox.map((value) => (typeof value === 'string' ? `'${value}'` : String(value))).join(', ')})`;
}

/**
 * Throws a {@link BBoxError} unless every coordinate is in [0, 1] (or within `np.isclose` of 0 or 1)
 * and `x_min < x_max`, `y_min < y_max` (albumentations `check_bbox`).
 * @example
 * checkBbox([0.1, 0.2, 0.3, 0.4]); // fine
 * checkBbox([0.5, 0.2, 0.3, 0.4]); // throws: x_max is less than or equal to x_min
 */
export function checkBbox(bbox: BBox): void {
  const names = ['x_min', 'y_min', 'x_max', 'y_max'];
  for (let index = 0; index < 4; index++) {
    const value = bbox[index] as number;
    if (!(0 <= value && value <= 1) && !isClose(value, 0) && !isClose(value, 1)) {
      throw new BBoxError(`Expected ${names[index]} for bbox ${formatBox(bbox)} to be in the range [0.0, 1.0], got ${value}.`);
    }
  }
  const [xMin, yMin, xMax, yMax] = bbox;
  if (xMax <= xMin) throw new BBoxError(`x_max is less than or equal to x_min for bbox ${formatBox(bbox)}.`);
  if (yMax <= yMin) throw new BBoxError(`y_max is less than or equal to y_min for bbox ${formatBox(bbox)}.`);
}

/** {@link checkBbox} over a list. @example checkBboxes([[0.1, 0.2, 0.3, 0.4]]); */
export function checkBboxes(bboxes: readonly BBox[]): void {
  for (const bbox of bboxes) checkBbox(bbox);
}

/** Box-filter thresholds (albumentations `BboxParams`' `min_area` ... `min_height`). */
export interface BBoxFilter {
  minArea?: number;
  minVisibility?: number;
  minWidth?: number;
  minHeight?: number;
}

/**
 * Clips normalised boxes to [0, 1] and drops those whose clipped area is 0, under `minArea`
 * pixels, under `minVisibility` of the unclipped area, or narrower / lower than `minWidth` /
 * `minHeight` pixels (albumentations `filter_bboxes`).
 * @example
 * filterBboxes([[-0.1, 0.2, 0.5, 0.6, 1]], 100, 100, { minVisibility: 0.5 }); // [[0, 0.2, 0.5, 0.6, 1]]
 */
export function filterBboxes(bboxes: readonly BBox[], rows: number, cols: number, filter: BBoxFilter = {}): BBox[] {
  const { minArea = 0, minVisibility = 0, minWidth = 0, minHeight = 0 } = filter;
  const kept: BBox[] = [];
  for (const bbox of bboxes) {
    const transformedArea = calculateBboxArea(bbox, rows, cols);
    const clip = (value: number): number => Math.min(Math.max(value, 0), 1); // np.clip
    const clipped = withTail([clip(bbox[0]), clip(bbox[1]), clip(bbox[2]), clip(bbox[3])], bbox);
    const clippedArea = calculateBboxArea(clipped, rows, cols);
    const [xMin, yMin, xMax, yMax] = denormalizeBbox(clipped, rows, cols);
    if (clippedArea !== 0 && clippedArea >= minArea && clippedArea / transformedArea >= minVisibility && xMax - xMin >= minWidth && yMax - yMin >= minHeight) {
      kept.push(clipped);
    }
  }
  return kept;
}

/**
 * The box around all `bboxes`, each first shrunk by `erosionRate` of its size
 * (albumentations `union_of_bboxes`; normalised in, normalised out).
 * @example
 * unionOfBboxes(100, 100, [[0.1, 0.1, 0.2, 0.2], [0.5, 0.5, 0.6, 0.7]]); // [0.1, 0.1, 0.6, 0.7]
 */
export function unionOfBboxes(height: number, width: number, bboxes: readonly BBox[], erosionRate = 0): BBoxCoords {
  let xMin = width;
  let yMin = height;
  let xMax = 0;
  let yMax = 0;
  for (const bbox of bboxes) {
    const [x1, y1, x2, y2] = bbox;
    const w = x2 - x1;
    const h = y2 - y1;
    const limW = w * erosionRate;
    const limH = h * erosionRate;
    xMin = Math.min(xMin, x1 + limW);
    yMin = Math.min(yMin, y1 + limH);
    xMax = Math.max(xMax, x2 - limW);
    yMax = Math.max(yMax, y2 - limH);
  }
  return [xMin, yMin, xMax, yMax];
}

// ------------------------------------------------------------------------ per-transform

/** albumentations `bbox_vflip`. @example bboxVflip([0.1, 0.2, 0.3, 0.4]); // [0.1, 0.6, 0.3, 0.8] */
export function bboxVflip(bbox: BBox): BBoxCoords {
  const [xMin, yMin, xMax, yMax] = bbox;
  return [xMin, 1 - yMax, xMax, 1 - yMin];
}

/** albumentations `bbox_hflip`. @example bboxHflip([0.1, 0.2, 0.3, 0.4]); // [0.7, 0.2, 0.9, 0.4] */
export function bboxHflip(bbox: BBox): BBoxCoords {
  const [xMin, yMin, xMax, yMax] = bbox;
  return [1 - xMax, yMin, 1 - xMin, yMax];
}

/**
 * albumentations `bbox_flip`: `d` 0 flips vertically, 1 horizontally, -1 both.
 * @example bboxFlip([0.1, 0.2, 0.3, 0.4], -1); // [0.7, 0.6, 0.9, 0.8]
 */
export function bboxFlip(bbox: BBox, d: number): BBoxCoords {
  if (d === 0) return bboxVflip(bbox);
  if (d === 1) return bboxHflip(bbox);
  if (d === -1) return bboxVflip(bboxHflip(bbox));
  throw new BBoxError(`Invalid d value ${d}. Valid values are -1, 0 and 1`);
}

/**
 * albumentations `bbox_transpose`: axis 0 swaps x and y (the `Transpose` transform), axis 1
 * mirrors across the anti-diagonal.
 * @example bboxTranspose([0.1, 0.2, 0.3, 0.4], 0); // [0.2, 0.1, 0.4, 0.3]
 */
export function bboxTranspose(bbox: BBox, axis: number): BBoxCoords {
  const [xMin, yMin, xMax, yMax] = bbox;
  if (axis !== 0 && axis !== 1) throw new BBoxError('Axis must be either 0 or 1.');
  return axis === 0 ? [yMin, xMin, yMax, xMax] : [1 - yMax, 1 - xMax, 1 - yMin, 1 - xMin];
}

/**
 * albumentations `bbox_rot90`: `factor` counter-clockwise quarter turns.
 * @example bboxRot90([0.1, 0.2, 0.3, 0.4], 1); // [0.2, 0.7, 0.4, 0.9]
 */
export function bboxRot90(bbox: BBox, factor: number): BBoxCoords {
  if (![0, 1, 2, 3].includes(factor)) throw new BBoxError('Parameter n must be in set {0, 1, 2, 3}');
  const [xMin, yMin, xMax, yMax] = bbox;
  if (factor === 1) return [yMin, 1 - xMax, yMax, 1 - xMin];
  if (factor === 2) return [1 - xMax, 1 - yMax, 1 - xMin, 1 - yMin];
  if (factor === 3) return [1 - yMax, xMin, 1 - yMin, xMax];
  return [xMin, yMin, xMax, yMax];
}

const ELLIPSE_DEGREES = Float32Array.from({ length: 360 }, (_, index) => index);

/**
 * albumentations `bbox_rotate`: the box's corners (`largest_box`) or 360 points of its inscribed
 * ellipse (`ellipse`) rotated by `angle` degrees about the image centre, in normalised units
 * scaled by the aspect ratio; returns their bounding box.
 * NumPy 1.24 computes `np.cos`/`np.sin` of the angle with SVML on AVX-512 CPUs (up to 3 ULP from
 * the correctly rounded value, which `Math.cos` gives here), and the ellipse in float32 with its own
 * SIMD sin/cos, so results can differ from albumentations' in the last bits (about 1e-16 for
 * `largest_box`, 1e-7 for `ellipse`).
 * @example bboxRotate([0.1, 0.2, 0.3, 0.4], 90, 'largest_box', 100, 100);
 */
export function bboxRotate(bbox: BBox, angle: number, method: string, rows: number, cols: number): BBoxCoords {
  const [xMin, yMin, xMax, yMax] = bbox;
  const scale = cols / rows;
  const radians = angle * (Math.PI / 180); // np.deg2rad
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  let xs: number[];
  let ys: number[];
  let float32 = false;
  if (method === 'largest_box') {
    xs = [xMin - 0.5, xMax - 0.5, xMax - 0.5, xMin - 0.5];
    ys = [yMin - 0.5, yMin - 0.5, yMax - 0.5, yMax - 0.5];
  } else if (method === 'ellipse') {
    // NumPy value-based casting keeps the whole computation in float32.
    float32 = true;
    const f = Math.fround;
    const w = (xMax - xMin) / 2;
    const h = (yMax - yMin) / 2;
    const radiansF = Array.from(ELLIPSE_DEGREES, (degrees) => f(degrees * f(Math.PI / 180)));
    xs = radiansF.map((r) => f(f(f(w) * f(Math.sin(r))) + f(w + xMin - 0.5)));
    ys = radiansF.map((r) => f(f(f(h) * f(Math.cos(r))) + f(h + yMin - 0.5)));
  } else {
    throw new BBoxError(`Method ${method} is not a valid rotation method.`);
  }
  const round = float32 ? Math.fround : (value: number) => value;
  const xt = xs.map((x, index) => round(round(round(round(round(cos) * x) * round(scale)) + round(round(sin) * ys[index]!)) / round(scale)) + 0.5);
  const yt = xs.map((x, index) => round(round(round(round(-sin) * x) * round(scale)) + round(round(cos) * ys[index]!)) + 0.5);
  return [Math.min(...xt.map(round)), Math.min(...yt.map(round)), Math.max(...xt.map(round)), Math.max(...yt.map(round))];
}

/**
 * albumentations `bbox_shift_scale_rotate`: the corners through
 * `getRotationMatrix2D((W/2, H/2), angle, scale)` plus `(dx*W, dy*H)` in pixels (with `ellipse`,
 * the ellipse's rotated box only scaled and shifted). NumPy's `matrix.dot` runs OpenBLAS, which
 * sums each row as `fma(m1, y, m0*x) + m2`; done the same way here.
 * @example bboxShiftScaleRotate([0.1, 0.2, 0.3, 0.4], 30, 1.1, 0.05, -0.02, 'largest_box', 100, 120);
 */
export function bboxShiftScaleRotate(
  bbox: BBox,
  angle: number,
  scale: number,
  dx: number,
  dy: number,
  rotateMethod: string,
  rows: number,
  cols: number,
): BBoxCoords {
  const height = rows;
  const width = cols;
  let coords: BBoxCoords;
  let matrix: AffineMatrix;
  if (rotateMethod === 'ellipse') {
    coords = bboxRotate(bbox, angle, rotateMethod, rows, cols);
    matrix = rotationMatrix2D(width / 2, height / 2, 0, scale);
  } else {
    coords = [bbox[0], bbox[1], bbox[2], bbox[3]];
    matrix = rotationMatrix2D(width / 2, height / 2, angle, scale);
  }
  matrix[2] += dx * width;
  matrix[5] += dy * height;
  const [xMin, yMin, xMax, yMax] = coords;
  const corners: [number, number][] = [
    [xMin, yMin],
    [xMax, yMin],
    [xMax, yMax],
    [xMin, yMax],
  ];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of corners) {
    const px = x * width;
    const py = y * height;
    xs.push((fma(matrix[1], py, matrix[0] * px) + matrix[2]) / width);
    ys.push((fma(matrix[4], py, matrix[3] * px) + matrix[5]) / height);
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

// ------------------------------------------------------------------------ crops

/**
 * albumentations `crop_bbox_by_coords`: a normalised box of a `rows x cols` image moved into the
 * crop `cropCoords = [x1, y1, x2, y2]` (pixels) and normalised by the crop size.
 * @example cropBboxByCoords([0.1, 0.2, 0.3, 0.4], [10, 10, 60, 60], 50, 50, 100, 100);
 */
export function cropBboxByCoords(
  bbox: BBox,
  cropCoords: readonly [number, number, number, number],
  cropHeight: number,
  cropWidth: number,
  rows: number,
  cols: number,
): BBoxCoords {
  const [xMin, yMin, xMax, yMax] = denormalizeBbox(bbox, rows, cols);
  const [x1, y1] = cropCoords;
  return normalizeBbox([xMin - x1, yMin - y1, xMax - x1, yMax - y1], cropHeight, cropWidth).slice(0, 4) as BBoxCoords;
}

/** albumentations `get_random_crop_coords`: `[x1, y1, x2, y2]`. @example randomCropCoords(100, 100, 50, 50, 0.5, 0.5); */
export function randomCropCoords(height: number, width: number, cropHeight: number, cropWidth: number, hStart: number, wStart: number): [number, number, number, number] {
  const y1 = Math.trunc((height - cropHeight + 1) * hStart);
  const x1 = Math.trunc((width - cropWidth + 1) * wStart);
  return [x1, y1, x1 + cropWidth, y1 + cropHeight];
}

/** albumentations `get_center_crop_coords`: `[x1, y1, x2, y2]`. @example centerCropCoords(100, 100, 50, 50); */
export function centerCropCoords(height: number, width: number, cropHeight: number, cropWidth: number): [number, number, number, number] {
  const y1 = Math.floor((height - cropHeight) / 2);
  const x1 = Math.floor((width - cropWidth) / 2);
  return [x1, y1, x1 + cropWidth, y1 + cropHeight];
}

/** albumentations `bbox_random_crop`. @example bboxRandomCrop([0.1, 0.2, 0.3, 0.4], 50, 50, 0.5, 0.5, 100, 100); */
export function bboxRandomCrop(bbox: BBox, cropHeight: number, cropWidth: number, hStart: number, wStart: number, rows: number, cols: number): BBoxCoords {
  return cropBboxByCoords(bbox, randomCropCoords(rows, cols, cropHeight, cropWidth, hStart, wStart), cropHeight, cropWidth, rows, cols);
}

/** albumentations `bbox_center_crop`. @example bboxCenterCrop([0.1, 0.2, 0.3, 0.4], 50, 50, 100, 100); */
export function bboxCenterCrop(bbox: BBox, cropHeight: number, cropWidth: number, rows: number, cols: number): BBoxCoords {
  return cropBboxByCoords(bbox, centerCropCoords(rows, cols, cropHeight, cropWidth), cropHeight, cropWidth, rows, cols);
}

/** albumentations `bbox_crop` (the `Crop` transform's box). @example bboxCrop([0.1, 0.2, 0.3, 0.4], 0, 0, 50, 50, 100, 100); */
export function bboxCrop(bbox: BBox, xMin: number, yMin: number, xMax: number, yMax: number, rows: number, cols: number): BBoxCoords {
  return cropBboxByCoords(bbox, [xMin, yMin, xMax, yMax], yMax - yMin, xMax - xMin, rows, cols);
}

/** A finite double as `mantissa * 2^exponent` (exact). */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  if (biased === 0) return { mantissa: sign * fraction, exponent: -1074 };
  return { mantissa: sign * (fraction | 0x10000000000000n), exponent: biased - 1075 };
}

/**
 * `a * b + c` rounded once (a fused multiply-add, what OpenBLAS and OpenCV's AVX2 code compute),
 * in exact integer arithmetic. For finite arguments whose result is a normal double.
 * @example fma(0.1, 10, -1); // 5.551115123125783e-17, where 0.1 * 10 - 1 is 0
 */
export function fma(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || a === 0 || b === 0) return a * b + c;
  const x = decompose(a);
  const y = decompose(b);
  const z = decompose(c);
  const productExponent = x.exponent + y.exponent;
  const exponent = Math.min(productExponent, z.exponent);
  let exact = ((x.mantissa * y.mantissa) << BigInt(productExponent - exponent)) + (z.mantissa << BigInt(z.exponent - exponent));
  if (exact === 0n) return a * b + c; // the sign of an exact zero follows IEEE rules
  let shift = exponent;
  const length = exact.toString(2).length - (exact < 0n ? 1 : 0);
  if (length > 900) {
    // Keep 900 bits plus a sticky bit: Number() then rounds exactly as the full value would.
    const drop = BigInt(length - 900);
    const magnitude = exact < 0n ? -exact : exact;
    let kept = magnitude >> drop;
    if ((kept << drop) !== magnitude) kept |= 1n;
    exact = exact < 0n ? -kept : kept;
    shift += length - 900;
  }
  const first = Math.max(shift, -1000); // 2 ** shift alone would underflow below -1074
  return Number(exact) * 2 ** first * 2 ** (shift - first);
}
