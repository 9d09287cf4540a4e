/**
 * Trains the seed's v2m pipeline end to end. Run `npx tsx examples/train-v2m.ts --help` for the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { v2mRecipe } from './lib/recipes.js';
import { runExample } from './lib/run.js';

await runExample(v2mRecipe, process.argv.slice(2), 'examples/train-v2m.ts');
