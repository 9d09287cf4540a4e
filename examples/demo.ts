/**
 * The demo: the seed's B3 pipeline on the synthetic artists, wasm backend, small enough to
 * finish in a few minutes on two cores. `npm run demo -w @art/examples` (flags as the other
 * examples, e.g. `-- --epochs 4`).
 */
import { demoRecipe } from './lib/recipes.js';
import { main } from './lib/run.js';

await main(demoRecipe, 'examples/demo.ts');
