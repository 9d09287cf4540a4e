/**
 * `cv2.blur` (normalised box filter) and `cv2.medianBlur`, as OpenCV 4.6 computes them.
 */
import { assertRawImage, type RawImage } from '../core/raw-image.js';
import { borderInterpolate, BorderMode, type BorderModeValue } from './border.js';
import { roundHalfEven } from './saturate.js';

function checkKernel(name: string, ksize: number): void {
  if (!Number.isInteger(ksize) || ksize < 1)
    throw new RangeError(`${name}: ksize must be a positive integer, got ${ksize}`);
}

/** Source index of each padded position: `-anchor .. size - 1 + (ksize - 1 - anchor)`. */
function borderTable(size: number, ksize: number, mode: BorderModeValue): Int32Array {
  const anchor = Math.floor(ksize / 2);
  const table = new Int32Array(size + ksize - 1);
  for (let i = 0; i < table.length; i++) table[i] = borderInterpolate(i - anchor, size, mode);
  return table;
}

/**
 * `cv2.blur(image, (ksize, ksize))`: the mean over a `ksize x ksize` window, borders
 * BORDER_REFLECT_101, anchor at the centre (`ksize / 2` rounded down for even sizes).
 * uint8 with `ksize² <= 256` is exact as OpenCV's 16-bit sums with its fixed-point division
 * `((sum + divDelta) * divScale) >> 23`; larger uint8 kernels round `sum / ksize²` in float32
 * (OpenCV's SIMD path); float32 images sum in float64 with OpenCV's running row and column sums.
 * @example
 * const smooth = boxBlur(image, 5);
 */
export function boxBlur(image: RawImage, ksize: number): RawImage {
  assertRawImage(image);
  checkKernel('boxBlur', ksize);
  const { width, height, channels } = image;
  const xs = borderTable(width, ksize, BorderMode.REFLECT_101);
  const ys = borderTable(height, ksize, BorderMode.REFLECT_101);
  const rowLength = width * channels;
  const src = image.data;
  const isFloat = src instanceof Float32Array;
  // Row sums of every padded row (rows are padded lazily through `ys`).
  const rowSums = new Float64Array(height * rowLength);
  for (let y = 0; y < height; y++) {
    const base = y * rowLength;
    for (let c = 0; c < channels; c++) {
      const at = (padded: number) => src[base + xs[padded]! * channels + c]!;
      if (!isFloat || ksize === 3 || ksize === 5) {
        for (let x = 0; x < width; x++) {
          let sum = 0;
          for (let k = 0; k < ksize; k++) sum += at(x + k);
          rowSums[base + x * channels + c] = sum;
        }
      } else {
        // OpenCV's running sum: s += S[i + k] - S[i].
        let sum = 0;
        for (let k = 0; k < ksize; k++) sum += at(k);
        rowSums[base + c] = sum;
        for (let x = 1; x < width; x++) {
          sum += at(x - 1 + ksize) - at(x - 1);
          rowSums[base + x * channels + c] = sum;
        }
      }
    }
  }
  const out = isFloat ? new Float32Array(src.length) : new Uint8Array(src.length);
  const area = ksize * ksize;
  if (!isFloat && area <= 256) {
    const d = area;
    const scaled = 2 ** 23 / d;
    let divScale = Math.floor(scaled);
    let divDelta = Math.floor(d / 2);
    if (d !== 1) {
      if (scaled - divScale < 0.5) divDelta++;
      else divScale++;
    } else {
      divScale = 1;
      divDelta = 0;
    }
    for (let y = 0; y < height; y++) {
      for (let i = 0; i < rowLength; i++) {
        let sum = 0;
        for (let k = 0; k < ksize; k++) sum += rowSums[ys[y + k]! * rowLength + i]!;
        out[y * rowLength + i] = d === 1 ? sum : Math.floor(((sum + divDelta) * divScale) / 2 ** 23);
      }
    }
    return { ...image, data: out };
  }
  // Running column sums in float64: SUM holds rows y-anchor .. y-anchor+k-2; add the newest, emit, drop the oldest.
  const scale = 1 / area;
  const scale32 = Math.fround(scale);
  const columnSum = new Float64Array(rowLength);
  for (let k = 0; k < ksize - 1; k++) {
    const row = ys[k]! * rowLength;
    for (let i = 0; i < rowLength; i++) columnSum[i] = columnSum[i]! + rowSums[row + i]!;
  }
  for (let y = 0; y < height; y++) {
    const newest = ys[y + ksize - 1]! * rowLength;
    const oldest = ys[y]! * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const sum = columnSum[i]! + rowSums[newest + i]!;
      if (isFloat) out[y * rowLength + i] = sum * scale;
      else {
        const value = Math.fround(Math.fround(sum) * scale32);
        out[y * rowLength + i] = Math.min(255, Math.max(0, roundHalfEven(value)));
      }
      columnSum[i] = sum - rowSums[oldest + i]!;
    }
  }
  return { ...image, data: out };
}

/**
 * `cv2.medianBlur(image, ksize)`: the median of each `ksize x ksize` window per channel, borders
 * replicated (OpenCV's median filters clamp coordinates). `ksize` odd; float32 only for 3 and 5,
 * as in OpenCV.
 * @example
 * const denoised = medianBlur(image, 3);
 */
export function medianBlur(image: RawImage, ksize: number): RawImage {
  assertRawImage(image);
  checkKernel('medianBlur', ksize);
  if (ksize % 2 !== 1) throw new RangeError(`medianBlur: ksize must be odd, got ${ksize}`);
  if (image.data instanceof Float32Array && ksize !== 3 && ksize !== 5) {
    throw new RangeError(`medianBlur: a float32 image takes ksize 3 or 5 only (OpenCV), got ${ksize}`);
  }
  if (ksize === 1) return { ...image, data: image.data.slice() };
  const { width, height, channels } = image;
  const xs = borderTable(width, ksize, BorderMode.REPLICATE);
  const ys = borderTable(height, ksize, BorderMode.REPLICATE);
  const src = image.data;
  const out = src instanceof Float32Array ? new Float32Array(src.length) : new Uint8Array(src.length);
  const window = new Float64Array(ksize * ksize);
  const middle = (ksize * ksize - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let n = 0;
        for (let j = 0; j < ksize; j++) {
          const row = ys[y + j]! * width;
          for (let i = 0; i < ksize; i++) window[n++] = src[(row + xs[x + i]!) * channels + c]!;
        }
        window.sort();
        out[(y * width + x) * channels + c] = window[middle]!;
      }
    }
  }
  return { ...image, data: out };
}
