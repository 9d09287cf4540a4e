/**
 * Index of the largest of `values[offset .. offset + length)`, counted from `offset`. Ties go to
 * the lowest index, as `numpy.argmax` and `tf.argMax`; like `tf.argMax`, a NaN never compares
 * larger, so it is picked only in the first position (metrics reject NaN scores before this).
 * The one argmax of the @art packages: metrics' top-1 predictions, pyramid-pooling's votes and
 * competition's labels all call it.
 *
 * @param values the scores (a plain array or any typed array).
 * @param offset first index of the row. Default 0.
 * @param length entries in the row, at least 1. Default: to the end of `values`.
 * @throws RangeError when the row is empty or does not fit in `values`.
 * @example
 * argmax([0.4, 0.4, 0.2]); // 0
 * argmax(Float32Array.of(0.1, 0.9, 0.7, 0.2), 2, 2); // 0: row [0.7, 0.2] of a flat 2-class table
 */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  const fits = Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 1;
  if (!fits || offset + length > values.length) {
    throw new RangeError(
      `argmax: offset ${offset} and length ${length} must select at least one of the ${values.length} values`
    );
  }
  let best = 0;
  for (let index = 1; index < length; index += 1) {
    if (values[offset + index]! > values[offset + best]!) best = index;
  }
  return best;
}
