/**
 * The `bbox_*` functions of albumentations 1.3.1's geometric and crop functional modules: the same
 * float64 arithmetic in the same order, so the results are the same doubles (where NumPy's own
 * sin/cos is involved, see {@link bboxRotate}). Formats, conversions and filters (albumentations'
 * `core/bbox_utils.py`) are in ../core/bbox-utils.ts.
 *
 * Like albumentations' functions, these return the four coordinates only; the transforms' own
 * `applyToBboxes` put the labels back.
 */
import { BBoxError, denormalizeBbox, normalizeBbox, type BBox, type BBoxCoords } from '../core/bbox-utils.js';
import { fma } from '../cv/saturate.js';
import { rotationMatrix2D, type AffineMatrix } from '../cv/warp.js';

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
  const xt = xs.map(
    (x, index) =>
      round(round(round(round(round(cos) * x) * round(scale)) + round(round(sin) * ys[index]!)) / round(scale)) + 0.5,
  );
  const yt = xs.map(
    (x, index) => round(round(round(round(-sin) * x) * round(scale)) + round(round(cos) * ys[index]!)) + 0.5,
  );
  return [
    Math.min(...xt.map(round)),
    Math.min(...yt.map(round)),
    Math.max(...xt.map(round)),
    Math.max(...yt.map(round)),
  ];
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
export function randomCropCoords(
  height: number,
  width: number,
  cropHeight: number,
  cropWidth: number,
  hStart: number,
  wStart: number,
): [number, number, number, number] {
  const y1 = Math.trunc((height - cropHeight + 1) * hStart);
  const x1 = Math.trunc((width - cropWidth + 1) * wStart);
  return [x1, y1, x1 + cropWidth, y1 + cropHeight];
}

/** albumentations `get_center_crop_coords`: `[x1, y1, x2, y2]`. @example centerCropCoords(100, 100, 50, 50); */
export function centerCropCoords(
  height: number,
  width: number,
  cropHeight: number,
  cropWidth: number,
): [number, number, number, number] {
  const y1 = Math.floor((height - cropHeight) / 2);
  const x1 = Math.floor((width - cropWidth) / 2);
  return [x1, y1, x1 + cropWidth, y1 + cropHeight];
}

/** albumentations `bbox_random_crop`. @example bboxRandomCrop([0.1, 0.2, 0.3, 0.4], 50, 50, 0.5, 0.5, 100, 100); */
export function bboxRandomCrop(
  bbox: BBox,
  cropHeight: number,
  cropWidth: number,
  hStart: number,
  wStart: number,
  rows: number,
  cols: number,
): BBoxCoords {
  return cropBboxByCoords(
    bbox,
    randomCropCoords(rows, cols, cropHeight, cropWidth, hStart, wStart),
    cropHeight,
    cropWidth,
    rows,
    cols,
  );
}

/** albumentations `bbox_center_crop`. @example bboxCenterCrop([0.1, 0.2, 0.3, 0.4], 50, 50, 100, 100); */
export function bboxCenterCrop(
  bbox: BBox,
  cropHeight: number,
  cropWidth: number,
  rows: number,
  cols: number,
): BBoxCoords {
  return cropBboxByCoords(bbox, centerCropCoords(rows, cols, cropHeight, cropWidth), cropHeight, cropWidth, rows, cols);
}

/** albumentations `bbox_crop` (the `Crop` transform's box). @example bboxCrop([0.1, 0.2, 0.3, 0.4], 0, 0, 50, 50, 100, 100); */
export function bboxCrop(
  bbox: BBox,
  xMin: number,
  yMin: number,
  xMax: number,
  yMax: number,
  rows: number,
  cols: number,
): BBoxCoords {
  return cropBboxByCoords(bbox, [xMin, yMin, xMax, yMax], yMax - yMin, xMax - xMin, rows, cols);
}
