import { parseExampleArgs } from '../lib/cli.js';
import { demoRecipe } from '../lib/recipes.js';
import { runWithOptions } from '../lib/run.js';
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '@art/efficientnet';
import { withSeededRandom } from '@art/competition';
const recipe = { ...demoRecipe, buildNetwork: (c: { numClasses: number; imgSize: number; seed: number }) => {
  const base = efficientNetConfig('b3');
  return withSeededRandom(c.seed, () => buildEfficientNet(withMultipliers(base, 0.6, 0.7), { numClasses: c.numClasses, inputSize: c.imgSize, head: 'replace' }));
} };
await runWithOptions(recipe, parseExampleArgs(process.argv.slice(2), demoRecipe.defaults, '/tmp/syn/demoB')!);
process.exit(0);
