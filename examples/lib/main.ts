import { basename, join } from 'node:path';
import { defaultOutDir, errorMessage, parseTrainArgs, runTrain, trainUsage, type Recipe } from '@art/competition';
import { exampleDataDir, examplesRoot } from './data.js';

/**
 * Entry point of a training example: the flags of `art train` (a recipe's defaults, output in
 * examples/out/<recipe>), `runTrain`, errors as one line naming the culprit (the stack trace
 * only with `--debug`), then exit. The explicit exit matters: wasm worker threads keep Node's
 * event loop alive after the work is done.
 *
 * @example await trainExample(b3Recipe, 'examples/train-b3.ts');
 */
export async function trainExample(recipe: Recipe, command: string): Promise<never> {
  const argv = process.argv.slice(2);
  try {
    const defaultOut = join(examplesRoot, 'out', basename(defaultOutDir(recipe, argv.includes('--smoke'))));
    const options = parseTrainArgs(argv, recipe, { defaultOut });
    if (options === null) process.stdout.write(trainUsage(recipe, `npx tsx ${command}`, 'examples/out/<recipe>'));
    else await runTrain(recipe, options, { dataDir: exampleDataDir });
    process.exit(0);
  } catch (error) {
    console.error(argv.includes('--debug') ? error : errorMessage(error, command));
    process.exit(1);
  }
}
