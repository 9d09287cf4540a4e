import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { foldPaths } from '../folds/jobs.js';
import { ensembleFiles, scoreOutOfFold } from '../predict/index.js';
import { scoreSubmission } from '../submission/index.js';
import { resolveDataRoot } from './data.js';
import { UserError } from './errors.js';
import { formatTable } from './report.js';
import type { RunRecord, RunSettings, RunSummary } from './train.js';
import { RUN_RECORD } from './train.js';

/** Options of `art ensemble` over the fold jobs of one `--out`. */
export interface EnsembleRunOptions {
  /** The `--out` the fold jobs share (holds `fold-0/`, `fold-1/`, ...). */
  out: string;
  /** K of the run (default: from the folds' `run.json`). */
  folds?: number | undefined;
  /** Seconds to wait for unfinished folds (default 0: report them at once; `Infinity`: no limit). */
  waitSeconds?: number;
  /** Seconds between checks while waiting (default 10). */
  pollSeconds?: number;
  /** Combine the finished folds even when some are missing (default false). */
  partial?: boolean;
  /** Dataset root (default: the one the folds trained on, from their summary.json). */
  data?: string | undefined;
}

/** A fold is finished when its `summary.json`, written last, exists. */
const finished = (out: string, fold: number): boolean => existsSync(join(foldPaths(out, fold).dir, 'summary.json'));

/**
 * Combines the folds of a k-fold run into one submission (soft vote: mean of the class
 * probabilities) with the out-of-fold validation Macro F1 and, when the data has an answers
 * file, the test Macro F1. Waits up to `waitSeconds` for unfinished folds; then names the
 * missing ones (one line) unless `partial`. Writes only `OUT/submission.csv`,
 * `OUT/test-probabilities.csv` and `OUT/ensemble.json` (no fold job writes there).
 * This is `art ensemble --out DIR`.
 *
 * @example await runEnsemble({ out: 'runs/b3', waitSeconds: 3600 });
 */
export async function runEnsemble(
  options: EnsembleRunOptions,
  settings: RunSettings = {},
): Promise<{ folds: number[]; submission: string; outOfFoldMacroF1: number; testMacroF1: number | null }> {
  const log = settings.log ?? ((line: string) => console.log(line));
  const out = resolve(options.out);
  const { waitSeconds = 0, pollSeconds = 10, partial = false } = options;
  const k = options.folds ?? (await foldCount(out));
  const expected = Array.from({ length: k }, (_, fold) => fold);
  const started = performance.now();
  let missing = expected.filter((fold) => !finished(out, fold));
  if (missing.length > 0 && waitSeconds > 0) {
    log(
      `Waiting for ${missing.map((fold) => `fold-${fold}`).join(', ')} under ${out} ` +
        `(${Number.isFinite(waitSeconds) ? `up to ${waitSeconds} s` : 'no time limit'})`,
    );
    while (missing.length > 0 && (performance.now() - started) / 1000 < waitSeconds) {
      await sleep(Math.min(pollSeconds, Math.max(0, waitSeconds - (performance.now() - started) / 1000)) * 1000);
      missing = expected.filter((fold) => !finished(out, fold));
    }
  }
  const done = expected.filter((fold) => !missing.includes(fold));
  if (missing.length > 0 && (!partial || done.length === 0)) {
    const names = missing.map((fold) => `fold-${fold}`).join(', ');
    throw new UserError(
      `${missing.length} of ${k} folds not finished under ${out}: ${names} (no summary.json)` +
        `${waitSeconds > 0 ? ` after waiting ${Math.round((performance.now() - started) / 1000)} s` : ''}; ` +
        (done.length === 0
          ? 'run the fold jobs first'
          : 'wait for them with --wait [SECONDS], or combine the finished ones with --partial'),
    );
  }
  if (missing.length > 0)
    log(
      `Combining ${done.length} of ${k} folds (--partial): ${missing.map((fold) => `fold-${fold}`).join(', ')} missing`,
    );
  const summary = JSON.parse(await readFile(join(foldPaths(out, done[0]!).dir, 'summary.json'), 'utf8')) as RunSummary;
  const { root, answers } = await resolveDataRoot(options.data ?? summary.data);
  const submission = join(out, 'submission.csv');
  await ensembleFiles({
    inputs: done.map((fold) => foldPaths(out, fold).testProbabilities),
    sampleSubmission: join(root, 'sample_submission.csv'),
    out: submission,
    probabilitiesOut: join(out, 'test-probabilities.csv'),
  });
  const outOfFold = await scoreOutOfFold({
    inputs: done.map((fold) => foldPaths(out, fold).validProbabilities),
    trainCsv: join(root, 'train.csv'),
    complete: missing.length === 0,
  });
  const test = answers ? await scoreSubmission(submission, answers) : null;
  log(
    formatTable(`Ensemble of folds ${done.join(', ')} of ${k}`, [
      ['Out-of-fold Macro F1', `${outOfFold.macroF1.toFixed(4)} (${outOfFold.count} train images)`],
      ['Test Macro F1', test ? `${test.macroF1.toFixed(4)} (scored against ${answers})` : 'n/a (no answers file)'],
      ['Submission', submission],
    ]).trimEnd(),
  );
  return { folds: done, submission, outOfFoldMacroF1: outOfFold.macroF1, testMacroF1: test?.macroF1 ?? null };
}

/** K of a k-fold run, from the `run.json` any of its fold jobs wrote when it started. */
async function foldCount(out: string): Promise<number> {
  const names = await readdir(out).catch(() => [] as string[]);
  for (const name of names.filter((entry) => /^fold-\d+$/.test(entry)).sort()) {
    try {
      const record = JSON.parse(await readFile(join(out, name, RUN_RECORD), 'utf8')) as RunRecord;
      if (record.folds !== null) return record.folds;
    } catch {
      // a job that has not started writing yet: try the next
    }
  }
  throw new UserError(
    `no fold job has started under ${out} (no fold-<i>/${RUN_RECORD}); run the fold jobs first, or pass --folds K to wait for them`,
  );
}
