/**
 * Sums in the order NumPy uses (pairwise summation with eight accumulators), so averages over
 * classes round exactly like scikit-learn's `np.mean`/`np.average`.
 */

const BLOCK_SIZE = 128;

function pairwise(values: ArrayLike<number>, start: number, count: number): number {
  if (count < 8) {
    let sum = 0;
    for (let index = 0; index < count; index += 1) sum += values[start + index]!;
    return sum;
  }
  if (count <= BLOCK_SIZE) {
    const partial = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let lane = 0; lane < 8; lane += 1) partial[lane] = values[start + lane]!;
    let index = 8;
    for (; index < count - (count % 8); index += 8) {
      for (let lane = 0; lane < 8; lane += 1) partial[lane]! += values[start + index + lane]!;
    }
    let sum =
      partial[0]! +
      partial[1]! +
      (partial[2]! + partial[3]!) +
      (partial[4]! + partial[5]! + (partial[6]! + partial[7]!));
    for (; index < count; index += 1) sum += values[start + index]!;
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwise(values, start, half) + pairwise(values, start + half, count - half);
}

/** Sum of `values` in NumPy's pairwise order. */
export function pairwiseSum(values: ArrayLike<number>): number {
  return pairwise(values, 0, values.length);
}

/** Mean in NumPy's order; NaN for an empty list. */
export function mean(values: ArrayLike<number>): number {
  return values.length === 0 ? Number.NaN : pairwiseSum(values) / values.length;
}

/**
 * Average that skips NaN entries, as scikit-learn's `_nanaverage` does when `zero_division` is
 * NaN: unweighted it is `np.nanmean`; weighted it drops NaN entries with their weights and
 * falls back to the plain mean when the remaining weights sum to zero.
 */
export function nanAverage(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const kept: number[] = [];
  const keptWeights: number[] = [];
  for (let index = 0; index < values.length; index += 1) {
    if (!Number.isNaN(values[index])) {
      kept.push(values[index]!);
      if (weights !== undefined) keptWeights.push(weights[index]!);
    }
  }
  if (kept.length === 0) return Number.NaN;
  if (weights === undefined) {
    if (kept.length === values.length) return mean(values);
    // np.nanmean sums with NaN replaced by 0 over the full array, then divides by the count.
    const zeroed = Array.from(values, (value) => (Number.isNaN(value) ? 0 : value));
    return pairwiseSum(zeroed) / kept.length;
  }
  const totalWeight = pairwiseSum(keptWeights);
  if (totalWeight === 0) return mean(kept);
  return pairwiseSum(kept.map((value, index) => value * keptWeights[index]!)) / totalWeight;
}
