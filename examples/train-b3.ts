/**
 * Trains the seed's b3 pipeline end to end. Run `npx tsx examples/train-b3.ts --help` for the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { b3Recipe } from './lib/recipes.js';
import { runExample } from './lib/run.js';

await runExample(b3Recipe, process.argv.slice(2), 'examples/train-b3.ts');
