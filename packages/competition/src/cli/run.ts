import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { errorMessage } from '../app/errors.js';
import { runEnsemble } from '../app/ensemble.js';
import { flagChoice, optionalInteger, parseTrainArgs, trainUsage } from '../app/options.js';
import { runPredict } from '../app/predict.js';
import { runTrain, type RunSettings } from '../app/train.js';
import { loadCompetition } from '../dataset/competition.js';
import { stratifiedHoldout, stratifiedKFold } from '../folds/index.js';
import { writeFileAtomic } from '../io.js';
import { ensembleFiles, scoreOutOfFold } from '../predict/index.js';
import { INFERENCE_RUNTIMES } from '../predict/runtime.js';
import { BACKEND_NAMES, RECIPES, RECIPE_NAMES, b3Recipe, getRecipe } from '../recipes/index.js';
import { scoreSubmission } from '../submission/index.js';

const USAGE = `Usage: art <command> [flags]       (art <command> --help for its flags and defaults)

Commands:
  train     --recipe ${RECIPE_NAMES.join('|')} [flags]
            Train a seed recipe end to end: checkpoints, history, plots, preview, submission.
  predict   --run DIR [--data DIR | --images DIR] [--out DIR]
            Predict a test set or a folder of images with a trained run's best checkpoint.
  ensemble  --out DIR [--folds K] [--wait [SECONDS]] [--partial]
            Combine the fold jobs of a k-fold run (soft vote) and score them out of fold.
            Or: --sample-submission FILE --out FILE [--probabilities-out FILE] PROBS...
  score     --submission FILE --answers FILE
            Macro F1 (and accuracy) of a submission against an answers file (id,artist).
  split     --data DIR [--folds K | --valid-fraction F] [--seed N] [--out FILE.json]
            Stratified k-fold (or hold-out) split of train.csv; writes ids per fold.
  oof       --train-csv FILE [--partial] VALID_PROBS...
            Out-of-fold Macro F1 of the folds' validation probabilities against train.csv.

  --version   the version of @art/competition
  --help      this text
`;

const PREDICT_USAGE = `Usage: art predict --run DIR [flags]

  --run DIR             the --out of an art train run (k-fold: OUT/fold-I); reads run.json, labels.json
                        and checkpoints/
  --data DIR            competition-layout dataset whose test set is predicted (default: the run's
                        synthetic set)
  --images DIR          predict every image of a folder instead (ids: file names without extension)
  --out DIR             output folder for submission.csv and test-probabilities.csv (default RUN/prediction)
  --checkpoint WHICH    best | last (default best: best validation Macro F1)
  --runtime NAME        ${INFERENCE_RUNTIMES.join(' | ')} (default auto)
  --backend NAME        ${BACKEND_NAMES.join(' | ')} (default: the recipe's)
  --batch-size N        default: the recipe's (${b3Recipe.sizes.batchSize} for ${b3Recipe.name})
  --workers N           augmentation worker threads (default 0)
  --debug               print stack traces of errors
`;

const ENSEMBLE_USAGE = `Usage: art ensemble --out DIR [flags]

Combines the fold jobs of one k-fold run (art train --folds K, each job writing OUT/fold-I) into
OUT/submission.csv (mean of the folds' class probabilities) and prints the out-of-fold Macro F1.

  --out DIR             the --out the fold jobs share
  --folds K             number of folds (default: from the folds' run.json)
  --wait [SECONDS]      wait for unfinished folds, checking every 10 s (bare: no time limit;
                        default: report them at once)
  --partial             combine the finished folds when some are missing
  --data DIR            dataset (default: the one the folds trained on)
  --debug               print stack traces of errors

Files form: art ensemble --sample-submission FILE --out FILE [--probabilities-out FILE] PROBS...
  soft vote of probability files, written in the sample's order (refuses an incomplete one).
`;

const SCORE_USAGE =
  'Usage: art score --submission FILE --answers FILE\n  Macro F1 and accuracy of a submission against an answers file (id,artist).\n';
const SPLIT_USAGE =
  'Usage: art split --data DIR [--folds K | --valid-fraction F (default 0.2)] [--seed N (default 0)] [--out FILE.json]\n';
const OOF_USAGE =
  'Usage: art oof --train-csv FILE [--partial] VALID_PROBS...\n  --partial: score only the ids present (e.g. while folds are still running)\n';

/** Where a command writes: stdout and stderr by default. */
export interface CliIo {
  write?: (text: string) => void;
  writeError?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * The `art` command line (also installed as `art-competition`); returns the exit code. Output
 * goes to `write` (default stdout), errors to `writeError` (default stderr) as one line naming
 * the culprit (the stack trace with `--debug`).
 *
 * @example
 * await runCli(['score', '--submission', 'out/submission.csv', '--answers', 'data/answers.csv']);
 * await runCli(['train', '--recipe', 'b3', '--smoke']);
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const write = io.write ?? ((text: string) => void process.stdout.write(text));
  const writeError = io.writeError ?? ((text: string) => void process.stderr.write(text));
  const [command, ...rest] = argv;
  const help = rest.includes('--help') || rest.includes('-h');
  const settings: RunSettings = { log: (line) => write(`${line}\n`) };
  try {
    switch (command) {
      case 'train': {
        const name = recipeArgument(rest);
        if (name === undefined) {
          if (help) {
            write(trainOverview());
            return 0;
          }
          throw new RangeError(
            `--recipe NAME is required: one of ${RECIPE_NAMES.join(', ')} (art train --help lists them)`,
          );
        }
        const recipe = getRecipe(name);
        const options = parseTrainArgs(rest, recipe, io.env ? { env: io.env } : {});
        if (options === null) {
          write(trainUsage(recipe));
          return 0;
        }
        await runTrain(recipe, options, settings);
        return 0;
      }
      case 'predict': {
        if (help) return usage(write, PREDICT_USAGE);
        const { values } = parseArgs({
          args: rest,
          options: {
            run: { type: 'string' },
            data: { type: 'string' },
            images: { type: 'string' },
            out: { type: 'string' },
            checkpoint: { type: 'string' },
            runtime: { type: 'string' },
            backend: { type: 'string' },
            'batch-size': { type: 'string' },
            workers: { type: 'string' },
            debug: { type: 'boolean' },
          },
        });
        if (!values.run) throw new RangeError('--run DIR is required: the --out folder of an art train run');
        const checkpoint = values.checkpoint ?? 'best';
        if (checkpoint !== 'best' && checkpoint !== 'last')
          throw new RangeError(`--checkpoint: unknown checkpoint "${checkpoint}"; expected best or last`);
        const runtime = flagChoice('--runtime', values.runtime, INFERENCE_RUNTIMES);
        const backend = flagChoice('--backend', values.backend, BACKEND_NAMES);
        await runPredict(
          {
            run: values.run,
            data: values.data,
            images: values.images,
            out: values.out,
            checkpoint,
            ...(runtime ? { runtime } : {}),
            ...(backend ? { backend } : {}),
            ...(values['batch-size'] ? { batchSize: optionalInteger('--batch-size', values['batch-size'], 1)! } : {}),
            ...(values.workers ? { workers: optionalInteger('--workers', values.workers, 0)! } : {}),
          },
          settings,
        );
        return 0;
      }
      case 'ensemble': {
        if (help) return usage(write, ENSEMBLE_USAGE);
        // `--wait` takes an optional value: bare (last, or before another flag) means no time limit.
        const args = rest.flatMap((arg, i) =>
          arg === '--wait' && (i === rest.length - 1 || rest[i + 1]!.startsWith('-')) ? [arg, 'forever'] : [arg],
        );
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: {
            'sample-submission': { type: 'string' },
            out: { type: 'string' },
            'probabilities-out': { type: 'string' },
            folds: { type: 'string' },
            wait: { type: 'string' },
            partial: { type: 'boolean' },
            data: { type: 'string' },
            debug: { type: 'boolean' },
          },
        });
        if (positionals.length > 0 || values['sample-submission']) {
          if (!values['sample-submission'] || !values.out)
            throw new RangeError('--sample-submission FILE and --out FILE are required to combine probability files');
          if (positionals.length === 0) throw new RangeError('give at least one probability file');
          const mean = await ensembleFiles({
            inputs: positionals,
            sampleSubmission: values['sample-submission'],
            out: values.out,
            ...(values['probabilities-out'] ? { probabilitiesOut: values['probabilities-out'] } : {}),
          });
          write(`wrote ${values.out}: ${mean.ids.length} rows, mean of ${positionals.length} probability file(s)\n`);
          return 0;
        }
        if (!values.out) throw new RangeError('--out DIR is required: the --out the fold jobs share');
        const wait =
          values.wait === undefined
            ? 0
            : values.wait === 'forever'
              ? Infinity
              : optionalInteger('--wait', values.wait, 0)!;
        await runEnsemble(
          {
            out: values.out,
            folds: optionalInteger('--folds', values.folds, 2),
            waitSeconds: wait,
            partial: values.partial ?? false,
            data: values.data,
          },
          settings,
        );
        return 0;
      }
      case 'score': {
        if (help) return usage(write, SCORE_USAGE);
        const { values } = parseArgs({
          args: rest,
          options: { submission: { type: 'string' }, answers: { type: 'string' }, debug: { type: 'boolean' } },
        });
        if (!values.submission || !values.answers)
          throw new RangeError('--submission FILE and --answers FILE are required');
        const score = await scoreSubmission(values.submission, values.answers);
        write(`macro-F1 ${score.macroF1.toFixed(4)} accuracy ${score.accuracy.toFixed(4)} (${score.count} rows)\n`);
        return 0;
      }
      case 'split': {
        if (help) return usage(write, SPLIT_USAGE);
        const { values } = parseArgs({
          args: rest,
          options: {
            data: { type: 'string' },
            folds: { type: 'string' },
            'valid-fraction': { type: 'string' },
            seed: { type: 'string', default: '0' },
            out: { type: 'string' },
            debug: { type: 'boolean' },
          },
        });
        if (!values.data) throw new RangeError('--data DIR is required');
        const data = await loadCompetition(values.data, { checkImages: false, requireTest: false });
        const labels = data.train.map((r) => r.artist);
        const seed = optionalInteger('--seed', values.seed, 0)!;
        const folds = optionalInteger('--folds', values.folds, 2);
        const splits =
          folds !== undefined
            ? stratifiedKFold(labels, { folds, seed })
            : [
                stratifiedHoldout(labels, {
                  validFraction: values['valid-fraction'] ? Number(values['valid-fraction']) : 0.2,
                  seed,
                }),
              ];
        const json = {
          seed,
          folds: splits.map((split, fold) => ({
            fold,
            train: split.train.map((i) => data.train[i]!.id),
            valid: split.valid.map((i) => data.train[i]!.id),
          })),
        };
        if (values.out) await writeFileAtomic(values.out, `${JSON.stringify(json, null, 2)}\n`);
        else write(`${JSON.stringify(json)}\n`);
        for (const f of json.folds) writeError(`fold ${f.fold}: ${f.train.length} train, ${f.valid.length} valid\n`);
        return 0;
      }
      case 'oof': {
        if (help) return usage(write, OOF_USAGE);
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            'train-csv': { type: 'string' },
            partial: { type: 'boolean', default: false },
            debug: { type: 'boolean' },
          },
        });
        if (!values['train-csv']) throw new RangeError('--train-csv FILE is required');
        const score = await scoreOutOfFold({
          inputs: positionals,
          trainCsv: values['train-csv'],
          complete: !values.partial,
        });
        write(
          `out-of-fold macro-F1 ${score.macroF1.toFixed(4)} accuracy ${score.accuracy.toFixed(4)} (${score.count} rows)\n`,
        );
        return 0;
      }
      case '--version':
      case '-v':
        write(`${packageVersion()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        writeError(
          `art: unknown command ${JSON.stringify(command)}; expected one of train, predict, ensemble, score, split, oof (art --help)\n`,
        );
        return 1;
    }
  } catch (error) {
    writeError(
      `${argv.includes('--debug') && error instanceof Error ? (error.stack ?? error.message) : errorMessage(error, `art ${command}`)}\n`,
    );
    return 1;
  }
}

function usage(write: (text: string) => void, text: string): number {
  write(text);
  return 0;
}

/** `--recipe NAME` or `--recipe=NAME` (read before the full parse: the recipe decides the defaults). */
function recipeArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--recipe') return argv[i + 1] ?? '';
    if (argv[i]!.startsWith('--recipe=')) return argv[i]!.slice('--recipe='.length);
  }
  return undefined;
}

/** `art train --help` without a recipe: each recipe with its defaults. */
function trainOverview(): string {
  const rows = Object.values(RECIPES).map((recipe) => {
    const { epochs, imgSize, batchSize, lr, backend } = recipe.sizes;
    return (
      `  ${recipe.name.padEnd(8)}  --epochs ${epochs} --img-size ${imgSize} --batch-size ${batchSize} ` +
      `--lr ${lr} --backend ${backend}\n            ${recipe.summary}\n`
    );
  });
  return `Usage: art train --recipe NAME [flags]\n\nRecipes and their defaults (art train --recipe NAME --help: every flag):\n${rows.join('')}`;
}

/**
 * The version in @art/competition's package.json (found from this file, in src/ or in dist/).
 * @example packageVersion(); // '0.1.0'
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === '@art/competition') return json.version ?? '0.0.0';
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
