/** NumPy slicing `img[y0:y1, x0:x1]`, which the OpenCV-level code and albumentations both use. */
import { allocateLike, assertRawImage, type RawImage } from '../core/raw-image.js';

/**
 * `img[y_min:y_max, x_min:x_max]` (exclusive maxima) as a new image.
 * @example
 * const patch = crop(image, 5, 7, 35, 27); // 30x20
 */
export function crop(image: RawImage, xMin: number, yMin: number, xMax: number, yMax: number): RawImage {
  assertRawImage(image);
  if (!(Number.isInteger(xMin) && Number.isInteger(yMin) && Number.isInteger(xMax) && Number.isInteger(yMax))) {
    throw new TypeError(`crop: coordinates must be integers, got ${xMin}, ${yMin}, ${xMax}, ${yMax}`);
  }
  if (xMin < 0 || yMin < 0 || xMax > image.width || yMax > image.height || xMax <= xMin || yMax <= yMin) {
    throw new RangeError(
      `crop: [${xMin}, ${yMin}, ${xMax}, ${yMax}] must satisfy 0 <= x_min < x_max <= ${image.width} and 0 <= y_min < y_max <= ${image.height}`,
    );
  }
  const { channels } = image;
  const outWidth = xMax - xMin;
  const dst = allocateLike(image, outWidth, yMax - yMin);
  const rowLength = outWidth * channels;
  const stride = image.width * channels;
  for (let y = yMin; y < yMax; y++) {
    const start = y * stride + xMin * channels;
    (dst.data as Uint8Array).set((image.data as Uint8Array).subarray(start, start + rowLength), (y - yMin) * rowLength);
  }
  return dst;
}
