/**
 * Trains the seed's pyramid recipe end to end (@art/competition's `pyramidRecipe` and `runTrain`, what
 * `npx art train --recipe pyramid` runs). `npx tsx examples/train-pyramid.ts --help` lists the flags;
 * `--smoke` checks the whole path in seconds.
 */
import { pyramidRecipe } from '@art/competition';
import { trainExample } from './lib/main.js';

await trainExample(pyramidRecipe, 'examples/train-pyramid.ts');
