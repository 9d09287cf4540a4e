/**
 * Trains the seed's b3 pipeline end to end. Run `npx tsx examples/train-b3.ts --help` for the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { b3Recipe } from './lib/recipes.js';
import { main } from './lib/run.js';

await main(b3Recipe, 'examples/train-b3.ts');
