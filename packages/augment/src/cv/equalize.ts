/** `cv2.equalizeHist` (OpenCV 4.6) as a lookup table from one channel's histogram. */
import { roundHalfEven } from './saturate.js';

/** `cv2.equalizeHist`'s table: float32 scale `255 / (total - hist[first])`, rounded half to even. */
export function equalizeHistTable(histogram: Float64Array): Uint8Array {
  let first = 0;
  while (first < 255 && histogram[first] === 0) first++;
  const total = histogram.reduce((sum, count) => sum + count, 0);
  const lut = new Uint8Array(256);
  if (histogram[first] === total) return lut.fill(first);
  const scale = Math.fround(255 / (total - histogram[first]!));
  let sum = 0;
  for (let i = first + 1; i < 256; i++) {
    sum += histogram[i]!;
    lut[i] = Math.min(255, roundHalfEven(Math.fround(Math.fround(sum) * scale)));
  }
  return lut;
}
