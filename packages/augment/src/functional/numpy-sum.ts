/** NumPy 1.24's float32 `np.sum` (what albumentations' `np.mean` of a float32 image computes). */
const fround = Math.fround;

/** Elements per inner-loop call of NumPy's buffered reduction (`np.sum` / `np.mean`). */
const NUMPY_BUFFER_SIZE = 8192;

/**
 * `np.sum` of a contiguous float32 array as NumPy 1.24 computes it: pairwise summation
 * (8 accumulators, blocks of 128) within each 8192-element buffer, buffers added in order.
 */
export function numpySumFloat32(values: Float32Array): number {
  let total = 0;
  for (let start = 0; start < values.length; start += NUMPY_BUFFER_SIZE) {
    total = fround(total + pairwiseSumFloat32(values, start, Math.min(NUMPY_BUFFER_SIZE, values.length - start)));
  }
  return total;
}

function pairwiseSumFloat32(values: Float32Array, start: number, count: number): number {
  if (count < 8) {
    let sum = -0;
    for (let i = 0; i < count; i++) sum = fround(sum + values[start + i]!);
    return sum;
  }
  if (count <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => values[start + j]!);
    let i = 8;
    for (; i < count - (count % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = fround(r[j]! + values[start + i + j]!);
    let sum = fround(
      fround(fround(r[0]! + r[1]!) + fround(r[2]! + r[3]!)) + fround(fround(r[4]! + r[5]!) + fround(r[6]! + r[7]!)),
    );
    for (; i < count; i++) sum = fround(sum + values[start + i]!);
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return fround(pairwiseSumFloat32(values, start, half) + pairwiseSumFloat32(values, start + half, count - half));
}
