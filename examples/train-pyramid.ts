/**
 * Trains the seed's pyramid pipeline end to end. Run `npx tsx examples/train-pyramid.ts --help` for the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { pyramidRecipe } from './lib/recipes.js';
import { runExample } from './lib/run.js';

await runExample(pyramidRecipe, process.argv.slice(2), 'examples/train-pyramid.ts');
