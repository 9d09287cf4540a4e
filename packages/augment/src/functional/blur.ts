/** albumentations' blur functions: the motion-blur line kernel; the convolutions are OpenCV's (cv/filter.ts). */
export { filter2D, gaussianKernel, gaussianBlur } from '../cv/filter.js';
// albumentations' F.blur and F.median_blur are cv2.blur and cv2.medianBlur as they are.
export { boxBlur, medianBlur } from '../cv/box-median.js';

const fround = Math.fround;

/**
 * Row-major 0/1 mask of `cv2.line(zeros((k, k)), (x1, y1), (x2, y2), 1, thickness=1)`
 * (8-connected Bresenham, OpenCV's LineIterator stepping and tie-breaking).
 * @example
 * const mask = drawLine(5, 0, 2, 4, 2); // middle row set
 */
export function drawLine(size: number, x1: number, y1: number, x2: number, y2: number): Uint8Array {
  const mask = new Uint8Array(size * size);
  // OpenCV LineIterator with leftToRight = true: always walk from the left end.
  let startX = x1;
  let startY = y1;
  let dx = x2 - x1;
  let dy = y2 - y1;
  if (dx < 0) {
    dx = -dx;
    dy = -dy;
    startX = x2;
    startY = y2;
  }
  let xStep = 1;
  let yStep = size;
  if (dy < 0) {
    dy = -dy;
    yStep = -size;
  }
  // Major axis = x unless dy > dx (then swap the roles of the two steps).
  let plusStep = yStep;
  let minusStep = xStep;
  if (dy > dx) {
    [dx, dy] = [dy, dx];
    plusStep = xStep;
    minusStep = yStep;
  }
  xStep = 0;
  let error = dx - (dy + dy);
  const plusDelta = dx + dx;
  const minusDelta = -(dy + dy);
  let position = startY * size + startX;
  for (let count = dx + 1; count > 0; count--) {
    if (position >= 0 && position < mask.length) mask[position] = 1;
    const negative = error < 0;
    error += minusDelta + (negative ? plusDelta : 0);
    position += minusStep + (negative ? plusStep : 0);
  }
  void xStep;
  return mask;
}

/**
 * albumentations MotionBlur's kernel: the line mask as float32 divided by its sum
 * (`kernel.astype(float32) / kernel.sum()`).
 * @example
 * const kernel = motionBlurKernel(7, 1, 0, 5, 6);
 */
export function motionBlurKernel(size: number, x1: number, y1: number, x2: number, y2: number): Float32Array {
  const mask = drawLine(size, x1, y1, x2, y2);
  let total = 0;
  for (const value of mask) total += value;
  const weight = fround(1 / total);
  const kernel = new Float32Array(size * size);
  for (let i = 0; i < mask.length; i++) kernel[i] = mask[i] ? weight : 0;
  return kernel;
}
