/** `cv2.filter2D` and `cv2.GaussianBlur`, bit-exact with OpenCV 4.6 on uint8 (float32 FMA accumulation, fixed-point Gaussian). */
import { wasmKernels } from '../wasm/index.js';
import { allocateLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { BorderMode, borderInterpolate, type BorderModeValue } from './border.js';
import { roundHalfEven } from './saturate.js';

const fround = Math.fround;

/**
 * `cv2.filter2D(img, -1, kernel)`: correlation (no flip), anchor at the kernel centre, border
 * mode default BORDER_REFLECT_101. uint8 accumulates the non-zero taps in row-major order in
 * float32 with fused multiply-add (OpenCV's AVX2 path), then rounds half to even.
 * @example
 * const blurred = filter2D(image, motionBlurKernel(5, 0, 2, 4, 2), 5, 5);
 */
export function filter2D(
  image: RawImage,
  kernel: Float32Array | readonly number[],
  kernelWidth: number,
  kernelHeight = kernelWidth,
  borderMode: BorderModeValue = BorderMode.REFLECT_101,
): RawImage {
  return filter2DImplementation(image, kernel, kernelWidth, kernelHeight, borderMode, true);
}

/**
 * filter2D with the equal-weight integer shortcut optional (tests compare both paths).
 * @example
 * filter2DImplementation(image, kernel, 5, 5, BorderMode.REFLECT_101, false); // float path only
 */
export function filter2DImplementation(
  image: RawImage,
  kernel: Float32Array | readonly number[],
  kernelWidth: number,
  kernelHeight: number,
  borderMode: BorderModeValue,
  allowEqualWeightShortcut: boolean,
): RawImage {
  assertRawImage(image);
  if (kernel.length !== kernelWidth * kernelHeight) {
    throw new RangeError(`filter2D: kernel has ${kernel.length} values, expected ${kernelWidth}x${kernelHeight}`);
  }
  if (borderMode === BorderMode.CONSTANT) throw new RangeError('filter2D: BORDER_CONSTANT is not supported here');
  const { width, height, channels } = image;
  const anchorX = kernelWidth >> 1;
  const anchorY = kernelHeight >> 1;
  // Pad once so the inner loop never checks borders.
  const paddedWidth = width + kernelWidth - 1;
  const paddedHeight = height + kernelHeight - 1;
  const isUint8 = image.data instanceof Uint8Array;
  const padded = isUint8
    ? new Uint8Array(paddedWidth * paddedHeight * channels)
    : new Float32Array(paddedWidth * paddedHeight * channels);
  const xMap = new Int32Array(paddedWidth);
  for (let x = 0; x < paddedWidth; x++) xMap[x] = borderInterpolate(x - anchorX, width, borderMode) * channels;
  const source = image.data;
  const rowElements = width * channels;
  for (let y = 0; y < paddedHeight; y++) {
    const sy = borderInterpolate(y - anchorY, height, borderMode);
    const sourceRow = sy * rowElements;
    const targetRow = y * paddedWidth * channels;
    // Interior: one contiguous copy; only the few border columns are mapped one by one.
    (padded as Uint8Array).set(
      (source as Uint8Array).subarray(sourceRow, sourceRow + rowElements),
      targetRow + anchorX * channels,
    );
    for (let x = 0; x < paddedWidth; x++) {
      if (x === anchorX) x = anchorX + width;
      if (x >= paddedWidth) break;
      const from = sourceRow + xMap[x]!;
      const to = targetRow + x * channels;
      for (let c = 0; c < channels; c++) padded[to + c] = source[from + c]!;
    }
  }
  const tapOffsets: number[] = [];
  const tapWeights: number[] = [];
  for (let ky = 0; ky < kernelHeight; ky++) {
    for (let kx = 0; kx < kernelWidth; kx++) {
      const weight = fround(kernel[ky * kernelWidth + kx]!);
      if (weight !== 0) {
        tapOffsets.push((ky * paddedWidth + kx) * channels);
        tapWeights.push(weight);
      }
    }
  }
  const dst = allocateLike(image, width, height);
  const rowLength = width * channels;
  const paddedStride = paddedWidth * channels;
  // Tap-major: one float32 accumulator row, each tap streamed over the row. Storing into a
  // Float32Array rounds like OpenCV's fused float32 multiply-add (the double sum is exact).
  const accumulator = new Float32Array(rowLength);
  const taps = tapOffsets.length;
  if (allowEqualWeightShortcut && isUint8 && taps > 0 && tapWeights.every((weight) => weight === fround(1 / taps))) {
    equalWeightFilterUint8(
      padded as Uint8Array,
      dst.data as Uint8Array,
      tapOffsets,
      tapWeights[0]!,
      height,
      rowLength,
      paddedStride,
    );
  } else if (isUint8) {
    const source = padded as Uint8Array;
    const out = dst.data as Uint8Array;
    for (let y = 0; y < height; y++) {
      const rowBase = y * paddedStride;
      accumulator.fill(0);
      for (let t = 0; t < taps; t++)
        accumulateTap(accumulator, source, rowBase + tapOffsets[t]!, tapWeights[t]!, rowLength);
      const outBase = y * rowLength;
      for (let e = 0; e < rowLength; e++) {
        const value = accumulator[e]!;
        // saturate_cast<uchar>: round half to even, clamp.
        let rounded = Math.floor(value + 0.5);
        if (rounded - value === 0.5 && (rounded & 1) !== 0) rounded -= 1;
        out[outBase + e] = rounded < 0 ? 0 : rounded > 255 ? 255 : rounded;
      }
    }
  } else {
    const source = padded as Float32Array;
    const out = dst.data as Float32Array;
    for (let y = 0; y < height; y++) {
      const rowBase = y * paddedStride;
      accumulator.fill(0);
      for (let t = 0; t < taps; t++)
        accumulateTapFloat(accumulator, source, rowBase + tapOffsets[t]!, tapWeights[t]!, rowLength);
      out.set(accumulator, y * rowLength);
    }
  }
  return dst;
}

/**
 * Equal weights `w = f32(1/n)` on uint8 (every motion-blur kernel): the float32 result is
 * `S/n` up to ~1e-4 (S = integer tap sum), while a non-tie `S/n` is at least 1/(2n) >= 1/14
 * away from a rounding boundary, so `round(S/n)` from an integer table is the same byte. Only
 * exact ties (`S/n = k + 1/2`, possible for even n) depend on float32 rounding; those elements
 * are recomputed with OpenCV's exact fused float32 sequence.
 */
function equalWeightFilterUint8(
  source: Uint8Array,
  out: Uint8Array,
  tapOffsets: readonly number[],
  weight: number,
  height: number,
  rowLength: number,
  paddedStride: number,
): void {
  const taps = tapOffsets.length;
  // With a power-of-two tap count the weight 1/n and every partial sum are exact in float32,
  // so a tie is exactly k + 1/2 and rounds half to even: no fallback needed (n = 2 and 4 would
  // otherwise send 1/2 and 1/4 of all elements to the slow path).
  const exactTies = (taps & (taps - 1)) === 0;
  const table = new Int16Array(255 * taps + 1);
  for (let sum = 0; sum < table.length; sum++) {
    const quotient = Math.floor(sum / taps);
    const twiceRemainder = 2 * (sum - quotient * taps);
    if (twiceRemainder === taps) table[sum] = exactTies ? quotient + (quotient & 1) : -1;
    else table[sum] = twiceRemainder > taps ? quotient + 1 : quotient;
  }
  const offsets = Int32Array.from(tapOffsets);
  const kernels = taps <= 257 ? wasmKernels() : undefined; // 16-bit sums in the SIMD kernel
  if (kernels) {
    const arena = kernels.arena();
    const paddedPointer = arena.copyIn(source);
    const outPointer = arena.allocate(out.length);
    kernels.exports.equalWeightFilterU8(
      paddedPointer,
      outPointer,
      arena.copyIn(offsets),
      taps,
      weight,
      height,
      rowLength,
      paddedStride,
      arena.copyIn(table),
      arena.allocate(rowLength * 2 + 16),
    );
    out.set(arena.bytes(outPointer, out.length));
    return;
  }
  const sums = new Int32Array(rowLength);
  for (let y = 0; y < height; y++) {
    const rowBase = y * paddedStride;
    sums.fill(0);
    for (let t = 0; t < taps; t++) addTap(sums, source, rowBase + offsets[t]!, rowLength);
    const outBase = y * rowLength;
    for (let e = 0; e < rowLength; e++) {
      const rounded = table[sums[e]!]!;
      if (rounded >= 0) {
        out[outBase + e] = rounded;
        continue;
      }
      let accumulator = 0;
      for (let t = 0; t < taps; t++) accumulator = fround(accumulator + source[rowBase + offsets[t]! + e]! * weight);
      let value = Math.floor(accumulator + 0.5);
      if (value - accumulator === 0.5 && (value & 1) !== 0) value -= 1;
      out[outBase + e] = value;
    }
  }
}

function addTap(sums: Int32Array, source: Uint8Array, offset: number, length: number): void {
  for (let e = 0; e < length; e++) sums[e] = sums[e]! + source[offset + e]!;
}

function accumulateTap(
  accumulator: Float32Array,
  source: Uint8Array,
  offset: number,
  weight: number,
  length: number,
): void {
  for (let e = 0; e < length; e++) accumulator[e] = accumulator[e]! + source[offset + e]! * weight;
}

function accumulateTapFloat(
  accumulator: Float32Array,
  source: Float32Array,
  offset: number,
  weight: number,
  length: number,
): void {
  for (let e = 0; e < length; e++) accumulator[e] = accumulator[e]! + source[offset + e]! * weight;
}

/**
 * OpenCV `getGaussianKernelBitExact`: the fixed small kernels for sigma <= 0 and size <= 7,
 * otherwise `exp(-x²/(2σ²))` normalised (σ = 0.3((n-1)/2 - 1) + 0.8 when sigma <= 0).
 * @example
 * gaussianKernel(3, 0); // [0.25, 0.5, 0.25]
 */
export function gaussianKernel(size: number, sigma: number): number[] {
  if (sigma <= 0) {
    if (size === 1) return [1];
    if (size === 3) return [0.25, 0.5, 0.25];
    if (size === 5) return [0.0625, 0.25, 0.375, 0.25, 0.0625];
    if (size === 7) return [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125];
  }
  const sigmaX = sigma > 0 ? sigma : size * 0.15 + 0.35;
  const scale2X = -0.125 / (sigmaX * sigmaX);
  const half = (size - 1) >> 1;
  const values: number[] = [];
  let sum = 0;
  for (let i = 0, x = 1 - size; i < half; i++, x += 2) {
    const t = Math.exp(x * x * scale2X);
    values.push(t);
    sum += t;
  }
  sum *= 2;
  sum += 1;
  if ((size & 1) === 0) sum += 1;
  const multiplier = 1 / sum;
  const result = new Array<number>(size).fill(multiplier);
  for (let i = 0; i < half; i++) {
    const t = values[i]! * multiplier;
    result[i] = t;
    result[size - 1 - i] = t;
  }
  return result;
}

/** OpenCV's error-diffusion conversion of a kernel to 8 fractional bits (sums to exactly 256). */
function fixedPointKernel(kernel: number[]): Int32Array {
  const size = kernel.length;
  const result = new Int32Array(size);
  const half = size >> 1;
  let error = 0;
  let sum = 0;
  for (let i = 0; i < half; i++) {
    const adjusted = kernel[i]! * 256 + error;
    const value = roundHalfEven(adjusted);
    error = adjusted - value;
    result[i] = value;
    result[size - 1 - i] = value;
    sum += value;
  }
  result[half] = roundHalfEven(256 - sum * 2);
  return result;
}

/**
 * `cv2.GaussianBlur(img, (size, size), sigma)` with OpenCV's bit-exact 8-bit path: kernels in 8
 * fractional bits, a horizontal pass into 16-bit fixed point, a vertical pass rounded from 16
 * fractional bits; BORDER_REFLECT_101. `size = 0` derives the size from sigma.
 * @example
 * const soft = gaussianBlur(image, 5, 0);
 */
export function gaussianBlur(image: RawImage, size: number, sigma = 0): RawImage {
  assertRawImage(image);
  let kernelSize = size;
  if (kernelSize <= 0) {
    if (!(sigma > 0)) throw new RangeError('gaussianBlur: needs size > 0 or sigma > 0');
    kernelSize = roundHalfEven(sigma * (image.data instanceof Uint8Array ? 3 : 4) * 2 + 1) | 1;
  }
  if (kernelSize % 2 !== 1) throw new RangeError(`gaussianBlur: size must be odd, got ${kernelSize}`);
  if (kernelSize === 1) return allocateCopy(image);
  const kernel = gaussianKernel(kernelSize, sigma);
  const { width, height, channels } = image;
  const half = kernelSize >> 1;
  const rowLength = width * channels;
  const isUint8 = image.data instanceof Uint8Array;
  const fixed = isUint8 ? fixedPointKernel(kernel) : null;
  const floatKernel = kernel.map((value) => fround(value));
  const horizontal = isUint8 ? new Int32Array(height * rowLength) : new Float32Array(height * rowLength);
  const src = image.data;
  const xIndex = new Int32Array(width * kernelSize);
  for (let x = 0; x < width; x++)
    for (let k = 0; k < kernelSize; k++)
      xIndex[x * kernelSize + k] = borderInterpolate(x + k - half, width, BorderMode.REFLECT_101);
  for (let y = 0; y < height; y++) {
    const row = y * rowLength;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < kernelSize; k++) {
          const value = src[row + xIndex[x * kernelSize + k]! * channels + c]!;
          sum = fixed ? sum + value * fixed[k]! : fround(sum + fround(value * floatKernel[k]!));
        }
        horizontal[row + x * channels + c] = fixed ? Math.min(sum, 65535) : sum;
      }
    }
  }
  const dst = allocateLike(image, width, height);
  const out = dst.data;
  for (let y = 0; y < height; y++) {
    const rows: number[] = [];
    for (let k = 0; k < kernelSize; k++)
      rows.push(borderInterpolate(y + k - half, height, BorderMode.REFLECT_101) * rowLength);
    for (let e = 0; e < rowLength; e++) {
      let sum = 0;
      for (let k = 0; k < kernelSize; k++) {
        sum = fixed
          ? sum + horizontal[rows[k]! + e]! * fixed[k]!
          : fround(sum + fround(horizontal[rows[k]! + e]! * floatKernel[k]!));
      }
      out[y * rowLength + e] = fixed ? Math.min(255, (sum + 32768) >>> 16) : sum;
    }
  }
  return dst;
}

function allocateCopy(image: RawImage): RawImage {
  const dst = allocateLike(image, image.width, image.height);
  (dst.data as Uint8Array).set(image.data as Uint8Array);
  return dst;
}
