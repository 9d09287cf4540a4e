/**
 * Trains the seed's pyramid pipeline end to end. Run `npx tsx examples/train-pyramid.ts --help` for the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { pyramidRecipe } from './lib/recipes.js';
import { main } from './lib/run.js';

await main(pyramidRecipe, 'examples/train-pyramid.ts');
