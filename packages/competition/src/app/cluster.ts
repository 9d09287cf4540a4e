/**
 * Array-job indices of the schedulers that run one fold per job: Slurm job arrays
 * (`#SBATCH --array=0-4`), Kubernetes indexed Jobs (`completionMode: Indexed`) and AWS Batch
 * array jobs. Each sets one of these variables to the job's index, counted from 0 when the
 * array is declared so (see the README's Slurm and Kubernetes examples).
 */
export const ARRAY_INDEX_VARIABLES = [
  'SLURM_ARRAY_TASK_ID',
  'JOB_COMPLETION_INDEX',
  'AWS_BATCH_JOB_ARRAY_INDEX',
] as const;

/**
 * The fold a job trains for `--folds K` without `--fold`: its scheduler's array index. One line
 * naming the variables and what to do when none is set, one is not an index in 0..K-1, or two
 * disagree.
 *
 * @param folds K of `--folds K`
 * @param env the process environment (default `process.env`)
 * @example
 * const fold = foldFromScheduler(5, { SLURM_ARRAY_TASK_ID: '3' }); // 3
 */
export function foldFromScheduler(folds: number, env: NodeJS.ProcessEnv = process.env): number {
  const set = ARRAY_INDEX_VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => ({
    name,
    text: env[name]!.trim(),
  }));
  if (set.length === 0) {
    throw new RangeError(
      `--folds ${folds} without --fold: no array index in the environment (${ARRAY_INDEX_VARIABLES.join(', ')}); ` +
        `pass --fold I, or start the job as an array of ${folds} tasks (e.g. sbatch --array=0-${folds - 1})`,
    );
  }
  for (const { name, text } of set) {
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value >= folds) {
      throw new RangeError(
        `--folds ${folds}: ${name}=${JSON.stringify(text)} is not a fold index in 0..${folds - 1}; declare the array as 0-${folds - 1} or pass --fold I`,
      );
    }
  }
  const distinct = new Set(set.map(({ text }) => Number(text)));
  if (distinct.size > 1) {
    throw new RangeError(
      `--folds ${folds}: the array indices disagree (${set.map(({ name, text }) => `${name}=${text}`).join(', ')}); pass --fold I`,
    );
  }
  return Number(set[0]!.text);
}
