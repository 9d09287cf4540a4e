/**
 * Trains the seed's b3 recipe end to end (@art/competition's `b3Recipe` and `runTrain`, what
 * `npx art train --recipe b3` runs). `npx tsx examples/train-b3.ts --help` lists the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { b3Recipe } from '@art/competition';
import { trainExample } from './lib/main.js';

await trainExample(b3Recipe, 'examples/train-b3.ts');
