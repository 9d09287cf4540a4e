/**
 * Trains the seed's v2m pipeline end to end. Run `npx tsx examples/train-v2m.ts --help` for the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { v2mRecipe } from './lib/recipes.js';
import { main } from './lib/run.js';

await main(v2mRecipe, 'examples/train-v2m.ts');
