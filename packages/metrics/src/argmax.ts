/**
 * Index of the largest value. Ties go to the lowest index, as `numpy.argmax` and `tf.argMax`;
 * like `tf.argMax`, a NaN never compares larger, so it is picked only in the first position
 * (metrics reject NaN scores before this). The one argmax of the @art packages: metrics' top-1
 * predictions, pyramid-pooling's votes and competition's labels all call it. One argument, so
 * `rows.map(argmax)` works; for a row of a flat table pass `table.subarray(start, end)`.
 *
 * @param values the scores (a plain array or any typed array), at least one.
 * @throws RangeError when `values` is empty.
 * @example
 * argmax([0.4, 0.4, 0.2]); // 0
 * [[0.1, 0.9], [0.8, 0.2]].map(argmax); // [1, 0]
 * argmax(Float32Array.of(0.1, 0.9, 0.7, 0.2).subarray(2, 4)); // 0: the second row of a 2-class table
 */
export function argmax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('argmax: values is empty; at least one value is needed');
  let best = 0;
  for (let index = 1; index < values.length; index += 1) {
    if (values[index]! > values[best]!) best = index;
  }
  return best;
}
