/**
 * Parity check against torchvision fixtures:
 *   npm run parity -w @art/efficientnet -- <manifest.json> [--backend cpu|wasm] [--tolerance 1e-4] [--model name] [--weights-ext .pth] [--weights-root DIR]
 * Exits 1 if any tensor's worst relative error exceeds the tolerance.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runParity } from '../src/node/index.js';
import { useBackend } from './backend.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { backend: { type: 'string', default: 'cpu' }, tolerance: { type: 'string', default: '1e-4' }, model: { type: 'string', multiple: true }, 'weights-ext': { type: 'string' }, 'weights-root': { type: 'string' } },
});
if (positionals.length !== 1) {
  console.error('usage: parity <manifest.json> [--backend cpu|wasm] [--tolerance 1e-4] [--model name ...] [--weights-ext .pth] [--weights-root DIR]');
  process.exit(2);
}
await useBackend(values.backend!);
const tolerance = Number(values.tolerance);
// `npm run -w` runs in the package folder; resolve the path against where the user typed it.
const manifestPath = resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]!);
const weightsExtension = values['weights-ext'];
const result = await runParity(manifestPath, {
  tolerance,
  ...(values.model ? { models: values.model } : {}),
  ...(weightsExtension ? { weightsExtension: weightsExtension.startsWith('.') ? weightsExtension : `.${weightsExtension}` } : {}),
  ...(values['weights-root'] ? { weightsRoot: resolve(process.env.INIT_CWD ?? process.cwd(), values['weights-root']) } : {}),
  log: (line) => console.log(line),
});
const worst = result.rows.reduce((max, row) => Math.max(max, row.relativeError), 0);
const failed = result.rows.filter((row) => !row.passed).length;
console.log(`\nbackend ${result.backend}: ${result.rows.length} tensors, worst relative error ${worst.toExponential(2)} (tolerance ${tolerance}), ${failed} over tolerance`);
process.exit(result.passed ? 0 : 1);
