/**
 * Trains the seed's v2m recipe end to end (@art/competition's `v2mRecipe` and `runTrain`, what
 * `npx art train --recipe v2m` runs). `npx tsx examples/train-v2m.ts --help` lists the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { v2mRecipe } from '@art/competition';
import { trainExample } from './lib/main.js';

await trainExample(v2mRecipe, 'examples/train-v2m.ts');
