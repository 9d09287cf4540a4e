import { stratifiedKFold, type Split } from './index.js';
import { join } from 'node:path';

/** Where a k-fold job writes its outputs (the contract between fold jobs and `ensemble`). */
export interface FoldPaths {
  dir: string;
  validProbabilities: string;
  testProbabilities: string;
  checkpoints: string;
}

/**
 * The output layout of fold `fold` of a k-fold run under `outDir`: `fold-<i>/` with
 * `valid-probabilities.csv`, `test-probabilities.csv` and `checkpoints/`. Run each fold as
 * an independent job (any machine, any scheduler), then combine with
 * `art ensemble` / `ensembleFiles`.
 *
 * @example
 * const paths = foldPaths('runs/b3', 2); // runs/b3/fold-2/test-probabilities.csv, ...
 */
export function foldPaths(outDir: string, fold: number): FoldPaths {
  if (!Number.isInteger(fold) || fold < 0) throw new RangeError(`foldPaths: fold must be an integer >= 0, got ${fold}`);
  const dir = join(outDir, `fold-${fold}`);
  return {
    dir,
    validProbabilities: join(dir, 'valid-probabilities.csv'),
    testProbabilities: join(dir, 'test-probabilities.csv'),
    checkpoints: join(dir, 'checkpoints'),
  };
}

/**
 * Fold `fold` of a seeded stratified k-fold split: what one independent fold job trains and
 * validates on. Every job computes the same split from the same labels, `folds` and `seed`,
 * so jobs need no shared state.
 *
 * @param labels class of each training sample
 * @param options `{ folds, fold, seed = 0 }`
 * @example
 * const { train, valid } = selectFold(data.train.map((r) => r.artist), { folds: 5, fold: 2, seed: 42 });
 */
export function selectFold(
  labels: ArrayLike<number | string>,
  options: { folds: number; fold: number; seed?: number },
): Split {
  const { folds, fold, seed = 0 } = options;
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds)
    throw new RangeError(`selectFold: fold must be an integer in [0, ${folds}), got ${fold}`);
  return stratifiedKFold(labels, { folds, seed })[fold]!;
}
