/**
 * albumentations' geometric functions (`F.resize`, `F.crop`, flips, `F.rot90`, `F.pad_with_params`,
 * `F.shift_scale_rotate`, `F.optical_distortion`) on plain images. The OpenCV calls they make
 * (`cv2.resize`, `cv2.warpAffine`, `cv2.remap`, `cv2.copyMakeBorder`) live in ../cv/.
 */
import { allocateLike, allocateUninitializedLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { BorderMode, copyMakeBorder, type BorderModeValue } from '../cv/border.js';
import { crop } from '../cv/crop.js';
import { Interpolation, type InterpolationValue } from '../cv/interpolation.js';
import { undistortRemap } from '../cv/undistort.js';
import { rotationMatrix2D, type AffineMatrix } from '../cv/warp.js';
import { wasmKernels } from '../wasm/index.js';

// albumentations' F.resize, F.crop and the affine helpers are these OpenCV/NumPy calls as they are.
export { resize, type OutputRegion } from '../cv/resize.js';
export { crop } from '../cv/crop.js';
export { rotationMatrix2D, warpAffine, remap, type AffineMatrix, type WarpOptions } from '../cv/warp.js';
export { opticalDistortionMaps } from '../cv/undistort.js';

// ---------------------------------------------------------------------------------------------
// slicing and flips

/**
 * albumentations `get_random_crop_coords` + `random_crop`: `y1 = int((H - h + 1) * h_start)`.
 * @example
 * const patch = randomCrop(image, 300, 300, 0.37, 0.81);
 */
export function randomCrop(
  image: RawImage,
  cropHeight: number,
  cropWidth: number,
  hStart: number,
  wStart: number,
): RawImage {
  if (cropHeight > image.height || cropWidth > image.width) {
    throw new RangeError(
      `randomCrop: requested crop size (${cropHeight}, ${cropWidth}) is larger than the image size (${image.height}, ${image.width})`,
    );
  }
  const { x, y } = randomCropCoordinates(image.height, image.width, cropHeight, cropWidth, hStart, wStart);
  return crop(image, x, y, x + cropWidth, y + cropHeight);
}

/**
 * Top-left corner of a random crop (albumentations `get_random_crop_coords`).
 * @example
 * randomCropCoordinates(131, 97, 50, 40, 0.37, 0.81); // { y: 30, x: 46 }
 */
export function randomCropCoordinates(
  height: number,
  width: number,
  cropHeight: number,
  cropWidth: number,
  hStart: number,
  wStart: number,
): { x: number; y: number } {
  return { y: Math.trunc((height - cropHeight + 1) * hStart), x: Math.trunc((width - cropWidth + 1) * wStart) };
}

/**
 * Top-left corner of a centre crop (albumentations `get_center_crop_coords`).
 * @example
 * centerCropCoordinates(48, 64, 20, 30); // { y: 14, x: 17 }
 */
export function centerCropCoordinates(
  height: number,
  width: number,
  cropHeight: number,
  cropWidth: number,
): { x: number; y: number } {
  return { y: Math.trunc((height - cropHeight) / 2), x: Math.trunc((width - cropWidth) / 2) };
}

/**
 * Mirror columns (`out[y, x] = in[y, W-1-x]`).
 * @example
 * const mirrored = hflip(image);
 */
export function hflip(image: RawImage): RawImage {
  assertRawImage(image);
  const { width, height, channels } = image;
  const dst = allocateUninitializedLike(image, width, height); // every pixel is written below
  if (
    image.data instanceof Uint8Array &&
    flipWithKernels(image.data, dst.data as Uint8Array, width, height, channels, true, false)
  )
    return dst;
  if (image.data instanceof Uint8Array && channels === 3) hflipRgb8(image.data, dst.data as Uint8Array, width, height);
  else {
    const src = image.data;
    const out = dst.data;
    for (let y = 0; y < height; y++) {
      const row = y * width * channels;
      for (let x = 0; x < width; x++) {
        const from = row + (width - 1 - x) * channels;
        const to = row + x * channels;
        for (let c = 0; c < channels; c++) out[to + c] = src[from + c]!;
      }
    }
  }
  return dst;
}

/** The WebAssembly flip of uint8 `src` into `out`; false when the kernels are off (the JS path runs). */
function flipWithKernels(
  src: Uint8Array,
  out: Uint8Array,
  width: number,
  height: number,
  channels: number,
  horizontal: boolean,
  vertical: boolean,
): boolean {
  const kernels = wasmKernels();
  if (!kernels) return false;
  const arena = kernels.arena();
  const srcPointer = arena.copyIn(src);
  const outPointer = arena.allocate(src.length);
  kernels.exports.flipU8(srcPointer, outPointer, width, height, channels, horizontal, vertical);
  out.set(arena.bytes(outPointer, src.length));
  return true;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function hflipRgb8(src: Uint8Array, out: Uint8Array, width: number, height: number): void {
  const stride = width * 3;
  if (LITTLE_ENDIAN && width % 4 === 0 && src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    hflipRgb8Words(
      new Uint32Array(src.buffer, src.byteOffset, src.length >> 2),
      new Uint32Array(out.buffer, out.byteOffset, out.length >> 2),
      width,
      height,
    );
    return;
  }
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0, from = row + stride - 3, to = row; x < width; x++, from -= 3, to += 3) {
      out[to] = src[from]!;
      out[to + 1] = src[from + 1]!;
      out[to + 2] = src[from + 2]!;
    }
  }
}

/**
 * RGB mirror four pixels (three 32-bit words) at a time. Source pixels a b c d (bytes
 * a0 a1 a2 b0 | b1 b2 c0 c1 | c2 d0 d1 d2, little-endian words w0 w1 w2) become d c b a.
 * Needs width % 4 === 0 so every group of four pixels starts on a word boundary.
 */
function hflipRgb8Words(src: Uint32Array, out: Uint32Array, width: number, height: number): void {
  const strideWords = (width * 3) >> 2;
  for (let y = 0; y < height; y++) {
    const row = y * strideWords;
    for (let to = row, from = row + strideWords - 3; to < row + strideWords; to += 3, from -= 3) {
      const w0 = src[from]!;
      const w1 = src[from + 1]!;
      const w2 = src[from + 2]!;
      out[to] = (w2 >>> 8) | (((w1 >>> 16) & 0xff) << 24);
      out[to + 1] = (w1 >>> 24) | ((w2 & 0xff) << 8) | ((w0 >>> 24) << 16) | ((w1 & 0xff) << 24);
      out[to + 2] = ((w1 >>> 8) & 0xff) | (w0 << 8);
    }
  }
}

/**
 * Mirror rows (`out[y, x] = in[H-1-y, x]`).
 * @example
 * const upsideDown = vflip(image);
 */
export function vflip(image: RawImage): RawImage {
  assertRawImage(image);
  const { width, height, channels } = image;
  const dst = allocateUninitializedLike(image, width, height); // every pixel is written below
  if (
    image.data instanceof Uint8Array &&
    flipWithKernels(image.data, dst.data as Uint8Array, width, height, channels, false, true)
  )
    return dst;
  const rowLength = width * channels;
  for (let y = 0; y < height; y++) {
    const from = (height - 1 - y) * rowLength;
    (dst.data as Uint8Array).set((image.data as Uint8Array).subarray(from, from + rowLength), y * rowLength);
  }
  return dst;
}

/**
 * Swap rows and columns (`img.transpose(1, 0, 2)`).
 * @example
 * const swapped = transpose(image); // width and height exchanged
 */
export function transpose(image: RawImage): RawImage {
  assertRawImage(image);
  const { width, height, channels } = image;
  const dst = allocateLike(image, height, width);
  const src = image.data;
  const out = dst.data;
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < height; x++) {
      const from = (x * width + y) * channels;
      const to = (y * height + x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = src[from + c]!;
    }
  }
  return dst;
}

/**
 * `np.rot90(img, factor)`: rotate by `factor * 90` degrees counter-clockwise.
 * @example
 * const turned = rot90(image, 1);
 */
export function rot90(image: RawImage, factor: number): RawImage {
  assertRawImage(image);
  if (!Number.isInteger(factor)) throw new TypeError(`rot90: factor must be an integer, got ${factor}`);
  const turns = ((factor % 4) + 4) % 4;
  if (turns === 0) return allocateCopy(image);
  if (turns === 2) return vflip(hflip(image));
  // k=1: out[i, j] = in[j, W-1-i]  (output is W rows by H columns)
  const { width, height, channels } = image;
  const dst = allocateLike(image, height, width);
  const src = image.data;
  const out = dst.data;
  for (let i = 0; i < width; i++) {
    for (let j = 0; j < height; j++) {
      const from = turns === 1 ? (j * width + (width - 1 - i)) * channels : ((height - 1 - j) * width + i) * channels;
      const to = (i * height + j) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = src[from + c]!;
    }
  }
  return dst;
}

function allocateCopy(image: RawImage): RawImage {
  const dst = allocateLike(image, image.width, image.height);
  (dst.data as Uint8Array).set(image.data as Uint8Array);
  return dst;
}

// ---------------------------------------------------------------------------------------------
// padding

// ---------------------------------------------------------------------------------------------
// padding

/**
 * albumentations `F.pad_with_params`: `cv2.copyMakeBorder(img, top, bottom, left, right, borderMode, value)`.
 * @example
 * const padded = padWithParams(image, 2, 2, 3, 3, BorderMode.REFLECT_101);
 */
export function padWithParams(
  image: RawImage,
  top: number,
  bottom: number,
  left: number,
  right: number,
  borderMode: BorderModeValue = BorderMode.REFLECT_101,
  value: number | readonly number[] | null = null,
): RawImage {
  return copyMakeBorder(image, top, bottom, left, right, borderMode, value);
}

// ---------------------------------------------------------------------------------------------
// affine and distortion

/**
 * albumentations `F.shift_scale_rotate`'s matrix: rotation about `(W/2 - 0.5, H/2 - 0.5)`, then
 * `M[0,2] += dx*W`, `M[1,2] += dy*H`.
 * @example
 * const matrix = shiftScaleRotateMatrix(64, 48, 17.5, 1.1, 0.05, -0.03);
 */
export function shiftScaleRotateMatrix(
  width: number,
  height: number,
  angle: number,
  scale: number,
  dx: number,
  dy: number,
): AffineMatrix {
  const matrix = rotationMatrix2D(width / 2 - 0.5, height / 2 - 0.5, angle, scale);
  matrix[2] += dx * width;
  matrix[5] += dy * height;
  return matrix;
}

/**
 * albumentations `F.optical_distortion`: build the maps, then `cv2.remap`.
 * @example
 * const distorted = opticalDistortion(image, 0.05, 0, 0);
 */
export function opticalDistortion(
  image: RawImage,
  k: number,
  dx: number,
  dy: number,
  interpolation: InterpolationValue = Interpolation.LINEAR,
  borderMode: BorderModeValue = BorderMode.REFLECT_101,
  value: number | readonly number[] | null = null,
): RawImage {
  // undistortRemap checks the image
  return undistortRemap(image, k, dx, dy, interpolation, borderMode, value);
}
