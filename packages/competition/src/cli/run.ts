import { parseArgs } from 'node:util';
import { loadCompetition } from '../dataset/competition.js';
import { stratifiedHoldout, stratifiedKFold } from '../folds/index.js';
import { writeFileAtomic } from '../io.js';
import { ensembleFiles, scoreOutOfFold } from '../predict/index.js';
import { scoreSubmission } from '../submission/index.js';

const USAGE = `Usage: art-competition <command> [options]

Commands:
  split     --data DIR [--folds K | --valid-fraction F] [--seed N] [--out FILE.json]
            Stratified k-fold (or hold-out) split of train.csv; writes ids per fold.
  ensemble  --sample-submission FILE --out submission.csv [--probabilities-out FILE] PROBS...
            Soft-vote (mean) of fold probability files (from --folds K --fold i jobs);
            writes the submission in sample order and refuses an incomplete one.
  score     --submission FILE --answers FILE
            Macro F1 (and accuracy) of a submission against an answers file (id,artist).
  oof       --train-csv FILE [--partial] VALID_PROBS...
            Out-of-fold Macro F1 of the folds' validation probabilities against train.csv
            (--partial: score only the ids present, e.g. while folds are still running).
`;

/**
 * The `art-competition` command line; returns the exit code. Output goes to `write`
 * (default stdout), errors to `writeError` (default stderr).
 *
 * @example
 * await runCli(['score', '--submission', 'out/submission.csv', '--answers', 'data/answers.csv']);
 */
export async function runCli(
  argv: readonly string[],
  io: { write?: (text: string) => void; writeError?: (text: string) => void } = {},
): Promise<number> {
  const write = io.write ?? ((text: string) => void process.stdout.write(text));
  const writeError = io.writeError ?? ((text: string) => void process.stderr.write(text));
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'split': {
        const { values } = parseArgs({
          args: rest,
          options: { data: { type: 'string' }, folds: { type: 'string' }, 'valid-fraction': { type: 'string' }, seed: { type: 'string', default: '0' }, out: { type: 'string' } },
        });
        if (!values.data) throw new TypeError('split: --data DIR is required');
        const data = await loadCompetition(values.data, { checkImages: false, requireTest: false });
        const labels = data.train.map((r) => r.artist);
        const seed = parseInteger(values.seed!, '--seed');
        const splits = values.folds
          ? stratifiedKFold(labels, { folds: parseInteger(values.folds, '--folds'), seed })
          : [stratifiedHoldout(labels, { validFraction: values['valid-fraction'] ? Number(values['valid-fraction']) : 0.2, seed })];
        const json = {
          seed,
          folds: splits.map((split, fold) => ({ fold, train: split.train.map((i) => data.train[i]!.id), valid: split.valid.map((i) => data.train[i]!.id) })),
        };
        if (values.out) await writeFileAtomic(values.out, `${JSON.stringify(json, null, 2)}\n`);
        else write(`${JSON.stringify(json)}\n`);
        for (const f of json.folds) writeError(`fold ${f.fold}: ${f.train.length} train, ${f.valid.length} valid\n`);
        return 0;
      }
      case 'ensemble': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { 'sample-submission': { type: 'string' }, out: { type: 'string' }, 'probabilities-out': { type: 'string' } },
        });
        if (!values['sample-submission'] || !values.out) throw new TypeError('ensemble: --sample-submission FILE and --out FILE are required');
        if (positionals.length === 0) throw new TypeError('ensemble: give at least one probability file');
        const mean = await ensembleFiles({
          inputs: positionals,
          sampleSubmission: values['sample-submission'],
          out: values.out,
          ...(values['probabilities-out'] ? { probabilitiesOut: values['probabilities-out'] } : {}),
        });
        write(`wrote ${values.out}: ${mean.ids.length} rows, mean of ${positionals.length} probability file(s)\n`);
        return 0;
      }
      case 'score': {
        const { values } = parseArgs({ args: rest, options: { submission: { type: 'string' }, answers: { type: 'string' } } });
        if (!values.submission || !values.answers) throw new TypeError('score: --submission FILE and --answers FILE are required');
        const score = await scoreSubmission(values.submission, values.answers);
        write(`macro-F1 ${score.macroF1.toFixed(4)} accuracy ${score.accuracy.toFixed(4)} (${score.count} rows)\n`);
        return 0;
      }
      case 'oof': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { 'train-csv': { type: 'string' }, partial: { type: 'boolean', default: false } } });
        if (!values['train-csv']) throw new TypeError('oof: --train-csv FILE is required');
        const score = await scoreOutOfFold({ inputs: positionals, trainCsv: values['train-csv'], complete: !values.partial });
        write(`out-of-fold macro-F1 ${score.macroF1.toFixed(4)} accuracy ${score.accuracy.toFixed(4)} (${score.count} rows)\n`);
        return 0;
      }
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        writeError(`Unknown command ${JSON.stringify(command)}; expected one of split, ensemble, score, oof\n\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    writeError(`${(error as Error).name}: ${(error as Error).message}\n`);
    return 1;
  }
}

function parseInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new RangeError(`${flag} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}
