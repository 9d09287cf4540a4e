import { SeededRandom } from '../random.js';

/** Train and validation indices of one split. */
export interface Split {
  train: number[];
  valid: number[];
}

function encodeClasses(labels: ArrayLike<number | string>, caller: string): { codes: Int32Array; numClasses: number } {
  if (labels == null || typeof labels.length !== 'number') throw new TypeError(`${caller}: labels must be an array`);
  const map = new Map<number | string, number>();
  const keys = [...new Set(Array.from(labels))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  keys.forEach((key, i) => map.set(key, i));
  const codes = Int32Array.from(Array.from(labels), (label) => map.get(label)!);
  return { codes, numClasses: keys.length };
}

/**
 * Stratified k-fold, allocated like scikit-learn's `StratifiedKFold`: labels sorted by class
 * are dealt round-robin to folds, which fixes how many samples of each class every fold gets
 * (so each class is spread as evenly as possible and fold sizes differ by at most one); the
 * samples of a class are then shuffled (seeded) before being assigned.
 *
 * @param labels class of each sample (numbers or strings)
 * @param options `{ folds = 5, seed = 0, shuffle = true }`
 * @returns one `{ train, valid }` per fold; indices ascending
 * @example
 * const splits = stratifiedKFold(data.train.map((r) => r.artist), { folds: 5, seed: 42 });
 * const { train, valid } = splits[0];
 */
export function stratifiedKFold(
  labels: ArrayLike<number | string>,
  options: { folds?: number; seed?: number; shuffle?: boolean } = {},
): Split[] {
  const { folds = 5, seed = 0, shuffle = true } = options;
  if (!Number.isInteger(folds) || folds < 2)
    throw new RangeError(`stratifiedKFold: folds must be an integer >= 2, got ${folds}`);
  const { codes, numClasses } = encodeClasses(labels, 'stratifiedKFold');
  if (folds > codes.length)
    throw new RangeError(`stratifiedKFold: folds (${folds}) exceeds the number of samples (${codes.length})`);
  // allocation[f][k]: samples of class k in fold f (sklearn: bincount(y_sorted[f::folds])).
  const sorted = Int32Array.from(codes).sort();
  const allocation = Array.from({ length: folds }, () => new Int32Array(numClasses));
  for (let i = 0; i < sorted.length; i++) allocation[i % folds]![sorted[i]!]!++;
  const testFold = new Int32Array(codes.length);
  const rng = new SeededRandom(seed);
  for (let k = 0; k < numClasses; k++) {
    const foldsForClass: number[] = [];
    for (let f = 0; f < folds; f++) for (let c = 0; c < allocation[f]![k]!; c++) foldsForClass.push(f);
    if (shuffle) rng.shuffle(foldsForClass);
    let position = 0;
    for (let i = 0; i < codes.length; i++) if (codes[i] === k) testFold[i] = foldsForClass[position++]!;
  }
  return Array.from({ length: folds }, (_, f) => {
    const train: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < codes.length; i++) (testFold[i] === f ? valid : train).push(i);
    return { train, valid };
  });
}

/**
 * Stratified hold-out split: each class contributes about `validFraction` of its samples to
 * validation (largest-remainder rounding so the total is `round(n * validFraction)`); classes
 * with two or more samples keep at least one in each part. Seeded.
 *
 * @param labels class of each sample
 * @param options `{ validFraction = 0.2, seed = 0 }`
 * @example
 * const { train, valid } = stratifiedHoldout(labels, { validFraction: 0.2, seed: 0 });
 */
export function stratifiedHoldout(
  labels: ArrayLike<number | string>,
  options: { validFraction?: number; seed?: number } = {},
): Split {
  const { validFraction = 0.2, seed = 0 } = options;
  if (!(validFraction > 0 && validFraction < 1))
    throw new RangeError(`stratifiedHoldout: validFraction must be in (0, 1), got ${validFraction}`);
  const { codes, numClasses } = encodeClasses(labels, 'stratifiedHoldout');
  const members: number[][] = Array.from({ length: numClasses }, () => []);
  codes.forEach((k, i) => members[k]!.push(i));
  const target = Math.round(codes.length * validFraction);
  const exact = members.map((m) => m.length * validFraction);
  const counts = exact.map((e) => Math.floor(e));
  let remaining = target - counts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, k) => ({ k, fraction: e - Math.floor(e) }))
    .sort((a, b) => b.fraction - a.fraction || a.k - b.k);
  for (const { k } of order) {
    if (remaining <= 0) break;
    counts[k]!++;
    remaining--;
  }
  members.forEach((m, k) => {
    if (m.length >= 2) counts[k] = Math.min(Math.max(counts[k]!, 1), m.length - 1);
  });
  const rng = new SeededRandom(seed);
  const train: number[] = [];
  const valid: number[] = [];
  members.forEach((m, k) => {
    const shuffled = rng.shuffle([...m]);
    valid.push(...shuffled.slice(0, counts[k]));
    train.push(...shuffled.slice(counts[k]));
  });
  train.sort((a, b) => a - b);
  valid.sort((a, b) => a - b);
  return { train, valid };
}
