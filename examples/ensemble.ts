/**
 * Combines the folds of a k-fold run (each trained as an independent job, e.g.
 * `npx tsx examples/train-b3.ts --folds 5 --fold 2 --out runs/b3`) into one submission:
 * soft vote (mean of class probabilities) over `OUT/fold-<i>/test-probabilities.csv`, the
 * out-of-fold validation Macro F1, and the test Macro F1 when the data has an answers file.
 *
 *   npx tsx examples/ensemble.ts --out runs/b3 [--data DIR] [--partial]
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensembleFiles, foldPaths, scoreOutOfFold, scoreSubmission } from '@art/competition';
import { resolveDataRoot } from './lib/data.js';
import { printTable } from './lib/report.js';

try {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, data: { type: 'string' }, smoke: { type: 'boolean' }, partial: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help || values.out === undefined) {
    console.log('Usage: npx tsx examples/ensemble.ts --out DIR [--data DIR] [--smoke] [--partial]\n  DIR: the --out of the fold jobs (holds fold-0/, fold-1/, ...)');
    process.exit(values.help ? 0 : 1);
  }
  const out = resolve(values.out);
  const folds = (await readdir(out)).filter((name) => /^fold-\d+$/.test(name)).map((name) => Number(name.slice(5))).sort((a, b) => a - b);
  const done = folds.filter((fold) => existsSync(foldPaths(out, fold).testProbabilities));
  if (done.length === 0) throw new Error(`ensemble: no fold-<i>/test-probabilities.csv under "${out}"; run the fold jobs first`);
  const { root, answers } = await resolveDataRoot(values.data, values.smoke ?? false);
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
    complete: !(values.partial ?? false),
  });
  const test = answers ? await scoreSubmission(submission, answers) : null;
  printTable(`Ensemble of folds ${done.join(', ')}`, [
    ['Out-of-fold Macro F1', `${outOfFold.macroF1.toFixed(4)} (${outOfFold.count} train images)`],
    ['Test Macro F1', test ? `${test.macroF1.toFixed(4)} (scored against ${answers})` : 'n/a (no answers file)'],
    ['Submission', submission],
  ]);
  process.exit(0);
} catch (error) {
  console.error(error instanceof Error ? `examples/ensemble.ts: ${error.message}` : error);
  process.exit(1);
}
