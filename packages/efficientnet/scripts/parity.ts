/**
 * Parity check against torchvision fixtures:
 *   npm run parity -w @art/efficientnet -- <manifest.json> [--runtime tfjs|onnx] [--backend cpu|wasm]
 *     [--tolerance 1e-4] [--model name] [--weights-ext .pth] [--weights-root DIR]
 * `--runtime onnx` runs the networks exported to ONNX on ONNX Runtime (onnxruntime-node, CPU).
 * `--weights-ext .pth` reads `model.pth` beside each `model.safetensors` (or under `--weights-root DIR`).
 * Exits 1 if any tensor's worst relative error exceeds the tolerance.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runParity } from '../src/node/index.js';
import { useBackend } from './backend.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runtime: { type: 'string', default: 'tfjs' },
    backend: { type: 'string', default: 'cpu' },
    tolerance: { type: 'string', default: '1e-4' },
    model: { type: 'string', multiple: true },
    'weights-ext': { type: 'string' },
    'weights-root': { type: 'string' },
  },
});
if (positionals.length !== 1) {
  console.error(
    'usage: parity <manifest.json> [--runtime tfjs|onnx] [--backend cpu|wasm] [--tolerance 1e-4] [--model name ...] [--weights-ext .pth] [--weights-root DIR]',
  );
  process.exit(2);
}
const runtime = values.runtime!;
if (runtime !== 'tfjs' && runtime !== 'onnx') {
  console.error(`parity: --runtime must be one of tfjs, onnx; got "${runtime}"`);
  process.exit(2);
}
await useBackend(values.backend!);
const tolerance = Number(values.tolerance);
// `npm run -w` runs in the package folder; resolve the path against where the user typed it.
const manifestPath = resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]!);
const weightsExtension = values['weights-ext'];
let result: Awaited<ReturnType<typeof runParity>>;
try {
  result = await runParity(manifestPath, {
    runtime,
    tolerance,
    ...(values.model ? { models: values.model } : {}),
    ...(weightsExtension
      ? { weightsExtension: weightsExtension.startsWith('.') ? weightsExtension : `.${weightsExtension}` }
      : {}),
    ...(values['weights-root']
      ? { weightsRoot: resolve(process.env.INIT_CWD ?? process.cwd(), values['weights-root']) }
      : {}),
    log: (line) => console.log(line),
  });
} catch (error) {
  console.error(`parity: ${(error as Error).message}`);
  process.exit(2);
}
const worst = result.rows.reduce((max, row) => Math.max(max, row.relativeError), 0);
const failed = result.rows.filter((row) => !row.passed).length;
const runtimeLabel =
  result.runtime === 'onnx'
    ? `runtime onnx (ONNX Runtime, ${result.backend.slice('onnx-'.length)} execution provider)`
    : `runtime tfjs, backend ${result.backend}`;
console.log(
  `\n${runtimeLabel}: ${result.rows.length} tensors, worst relative error ${worst.toExponential(2)} ` +
    `(tolerance ${tolerance}), ${failed} over tolerance`,
);
process.exit(result.passed ? 0 : 1);
