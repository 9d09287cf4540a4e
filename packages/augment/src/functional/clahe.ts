/** CLAHE exactly as OpenCV 4.6 `createCLAHE(...).apply` on 8-bit data, and albumentations' `F.clahe`. */
import { allocateLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { BorderMode, borderInterpolate, saturateUint8 } from './common.js';
import { labToRgb, rgbToLab } from '../cv/color-lab.js';

const fround = Math.fround;
const HISTOGRAM_SIZE = 256;

/**
 * OpenCV CLAHE on one 8-bit plane. `tileGridSize` is `[tilesX, tilesY]` (columns first, as in
 * `cv2.createCLAHE`). When the size is not divisible by the grid, the histograms are computed on
 * a copy padded bottom/right with BORDER_REFLECT_101 (by `tiles - size % tiles` on both axes, as
 * OpenCV does); the LUTs interpolate bilinearly in float32.
 * @example
 * const equalised = clahePlane(lightness, 64, 48, 2, [8, 8]);
 */
export function clahePlane(
  plane: Uint8Array,
  width: number,
  height: number,
  clipLimit: number,
  tileGridSize: readonly [number, number],
): Uint8Array {
  const [tilesX, tilesY] = tileGridSize;
  if (!Number.isInteger(tilesX) || !Number.isInteger(tilesY) || tilesX < 1 || tilesY < 1) {
    throw new RangeError(`clahe: tileGridSize must be two positive integers, got ${JSON.stringify(tileGridSize)}`);
  }
  let source = plane;
  let sourceWidth = width;
  let sourceHeight = height;
  if (width % tilesX !== 0 || height % tilesY !== 0) {
    sourceWidth = width + tilesX - (width % tilesX);
    sourceHeight = height + tilesY - (height % tilesY);
    source = new Uint8Array(sourceWidth * sourceHeight);
    for (let y = 0; y < sourceHeight; y++) {
      const sy = borderInterpolate(y, height, BorderMode.REFLECT_101);
      for (let x = 0; x < sourceWidth; x++)
        source[y * sourceWidth + x] = plane[sy * width + borderInterpolate(x, width, BorderMode.REFLECT_101)]!;
    }
  }
  const tileWidth = sourceWidth / tilesX;
  const tileHeight = sourceHeight / tilesY;
  const tileArea = tileWidth * tileHeight;
  let clip = 0;
  if (clipLimit > 0) clip = Math.max(Math.trunc((clipLimit * tileArea) / HISTOGRAM_SIZE), 1);
  const lutScale = fround(fround(HISTOGRAM_SIZE - 1) / tileArea);
  const luts = new Uint8Array(tilesX * tilesY * HISTOGRAM_SIZE);
  const histogram = new Int32Array(HISTOGRAM_SIZE);
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      histogram.fill(0);
      for (let y = ty * tileHeight; y < (ty + 1) * tileHeight; y++) {
        const row = y * sourceWidth;
        for (let x = tx * tileWidth; x < (tx + 1) * tileWidth; x++) histogram[source[row + x]!]!++;
      }
      if (clip > 0) {
        let clipped = 0;
        for (let i = 0; i < HISTOGRAM_SIZE; i++) {
          if (histogram[i]! > clip) {
            clipped += histogram[i]! - clip;
            histogram[i] = clip;
          }
        }
        const batch = Math.trunc(clipped / HISTOGRAM_SIZE);
        let residual = clipped - batch * HISTOGRAM_SIZE;
        for (let i = 0; i < HISTOGRAM_SIZE; i++) histogram[i]! += batch;
        if (residual !== 0) {
          const step = Math.max(Math.trunc(HISTOGRAM_SIZE / residual), 1);
          for (let i = 0; i < HISTOGRAM_SIZE && residual > 0; i += step, residual--) histogram[i]!++;
        }
      }
      const lut = (ty * tilesX + tx) * HISTOGRAM_SIZE;
      let sum = 0;
      for (let i = 0; i < HISTOGRAM_SIZE; i++) {
        sum += histogram[i]!;
        luts[lut + i] = saturateUint8(fround(sum * lutScale));
      }
    }
  }
  const inverseTileWidth = fround(1 / tileWidth);
  const inverseTileHeight = fround(1 / tileHeight);
  const xa = new Float32Array(width);
  const xa1 = new Float32Array(width);
  const index1 = new Int32Array(width);
  const index2 = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    const txf = fround(fround(x * inverseTileWidth) - 0.5);
    const tx1 = Math.floor(txf);
    xa[x] = fround(txf - tx1);
    xa1[x] = fround(1 - xa[x]!);
    index1[x] = Math.max(tx1, 0) * HISTOGRAM_SIZE;
    index2[x] = Math.min(tx1 + 1, tilesX - 1) * HISTOGRAM_SIZE;
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const tyf = fround(fround(y * inverseTileHeight) - 0.5);
    const ty1 = Math.floor(tyf);
    const ya = fround(tyf - ty1);
    const ya1 = fround(1 - ya);
    const plane1 = Math.max(ty1, 0) * tilesX * HISTOGRAM_SIZE;
    const plane2 = Math.min(ty1 + 1, tilesY - 1) * tilesX * HISTOGRAM_SIZE;
    for (let x = 0; x < width; x++) {
      const value = plane[y * width + x]!;
      const i1 = index1[x]! + value;
      const i2 = index2[x]! + value;
      const top = fround(fround(luts[plane1 + i1]! * xa1[x]!) + fround(luts[plane1 + i2]! * xa[x]!));
      const bottom = fround(fround(luts[plane2 + i1]! * xa1[x]!) + fround(luts[plane2 + i2]! * xa[x]!));
      out[y * width + x] = saturateUint8(fround(fround(top * ya1) + fround(bottom * ya)));
    }
  }
  return out;
}

/**
 * albumentations `F.clahe`: uint8 only; one channel directly, RGB on the L channel of OpenCV's
 * 8-bit LAB (`RGB2LAB` → CLAHE on L → `LAB2RGB`).
 * @example
 * const equalised = clahe(image, 2, [8, 8]);
 */
export function clahe(image: RawImage, clipLimit = 2, tileGridSize: readonly [number, number] = [8, 8]): RawImage {
  assertRawImage(image);
  if (!(image.data instanceof Uint8Array)) throw new TypeError('clahe supports only uint8 inputs');
  const { width, height, channels } = image;
  if (channels === 1) {
    return { data: clahePlane(image.data, width, height, clipLimit, tileGridSize), width, height, channels: 1 };
  }
  if (channels !== 3) throw new RangeError(`clahe expects 1-channel or 3-channel images, got ${channels} channels`);
  const lab = rgbToLab(image);
  const lightness = new Uint8Array(width * height);
  for (let p = 0; p < lightness.length; p++) lightness[p] = lab.data[p * 3]!;
  const equalised = clahePlane(lightness, width, height, clipLimit, tileGridSize);
  const merged = allocateLike(lab, width, height);
  merged.data.set(lab.data);
  for (let p = 0; p < equalised.length; p++) merged.data[p * 3] = equalised[p]!;
  return labToRgb(merged);
}
