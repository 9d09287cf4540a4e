/**
 * Bounding boxes, as albumentations 1.3.1's `core/bbox_utils.py`: the formats, conversion to and
 * from albumentations' normalised corners, checks and filters that `Compose` runs (the per-transform
 * `bbox_*` functions are in ../functional/bbox.ts).
 *
 * A box is `[x_min, y_min, x_max, y_max, ...labels]`; "albumentations" format means coordinates
 * normalised to [0, 1] by the image width (x) and height (y).
 */

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
    throw new BBoxError(
      `Unknown ${direction}_format ${format}. Supported formats are: 'coco', 'pascal_voc' and 'yolo'`,
    );
  }
}

/**
 * One box from `coco` (`x, y, w, h` pixels), `pascal_voc` (`x_min, y_min, x_max, y_max` pixels) or
 * `yolo` (normalised centre and size) to albumentations' normalised corners
 * (albumentations `convert_bbox_to_albumentations`).
 * @example
 * convertBboxToAlbumentations([10, 20, 30, 40, 7], 'coco', 100, 200); // [0.05, 0.2, 0.2, 0.6, 7]
 */
export function convertBboxToAlbumentations(
  bbox: BBox,
  sourceFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
): BBox {
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
export function convertBboxFromAlbumentations(
  bbox: BBox,
  targetFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
): BBox {
  checkFormat(targetFormat, 'target');
  if (checkValidity) checkBbox(bbox);
  let result = bbox;
  if (targetFormat !== 'yolo') result = denormalizeBbox(result, rows, cols);
  const [xMin, yMin, xMax, yMax] = result;
  if (targetFormat === 'coco') return withTail([xMin, yMin, xMax - xMin, yMax - yMin], result);
  if (targetFormat === 'yolo')
    return withTail([(xMin + xMax) / 2, (yMin + yMax) / 2, xMax - xMin, yMax - yMin], result);
  return result;
}

/** {@link convertBboxToAlbumentations} over a list. @example convertBboxesToAlbumentations(boxes, 'coco', 480, 640); */
export function convertBboxesToAlbumentations(
  bboxes: readonly BBox[],
  sourceFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
): BBox[] {
  return bboxes.map((bbox) => convertBboxToAlbumentations(bbox, sourceFormat, rows, cols, checkValidity));
}

/** {@link convertBboxFromAlbumentations} over a list. @example convertBboxesFromAlbumentations(boxes, 'yolo', 480, 640); */
export function convertBboxesFromAlbumentations(
  bboxes: readonly BBox[],
  targetFormat: string,
  rows: number,
  cols: number,
  checkValidity = false,
): BBox[] {
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
      throw new BBoxError(
        `Expected ${names[index]} for bbox ${formatBox(bbox)} to be in the range [0.0, 1.0], got ${value}.`,
      );
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
    if (
      clippedArea !== 0 &&
      clippedArea >= minArea &&
      clippedArea / transformedArea >= minVisibility &&
      xMax - xMin >= minWidth &&
      yMax - yMin >= minHeight
    ) {
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
