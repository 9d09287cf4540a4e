/**
 * Writes torchvision-named exports of our models, plus an input and our logits, so
 * `scripts/check_pytorch_load.py` can load them with `load_state_dict(strict=True)` and compare:
 *   npx tsx scripts/export-for-pytorch.ts <outDir>
 * The fixture models go through load (torchvision safetensors) → run → export; two named
 * variants are exported straight from our builder.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { efficientNet, exportTorchvisionWeights, type EfficientNet } from '../src/index.js';
import { loadFixtureModel, type FixtureManifest } from '../src/node/index.js';
import { useBackend } from './backend.js';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: export-for-pytorch <outDir>');
  process.exit(2);
}
await useBackend('cpu');
await mkdir(outDir, { recursive: true });
const entries: object[] = [];

async function exportOne(
  net: EfficientNet,
  name: string,
  python: string,
  shape: number[],
  seed: number,
): Promise<void> {
  const x = tf.randomUniform(shape, 0, 1, 'float32', seed);
  const logits = tf.tidy(() => net.model.predict(x) as tf.Tensor);
  await writeFile(join(outDir!, `${name}.safetensors`), exportTorchvisionWeights(net));
  await writeFile(join(outDir!, `${name}.input.bin`), new Uint8Array(x.dataSync().slice().buffer));
  await writeFile(join(outDir!, `${name}.logits.bin`), new Uint8Array(logits.dataSync().slice().buffer));
  entries.push({ name, python, input_shape_nhwc: shape, logits_shape: logits.shape });
  console.log(`exported ${name}: ${net.countParameters()} parameters, input ${JSON.stringify(shape)}`);
  tf.dispose([x, logits]);
}

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../test/fixtures/efficientnet');
const manifest = JSON.parse(await readFile(join(fixtures, 'manifest.json'), 'utf8')) as FixtureManifest;
for (const [index, entry] of manifest.models.entries()) {
  const net = await loadFixtureModel(entry, fixtures);
  await exportOne(net, `fixture_${entry.name}`, entry.python!, [2, 50, 38, 3], 11 + index);
  net.dispose();
}
for (const [index, spec] of [
  { variant: 'b3', constructor: 'efficientnet_b3', numClasses: 50 },
  { variant: 'v2-s', constructor: 'efficientnet_v2_s', numClasses: 10 },
].entries()) {
  const net = efficientNet(spec.variant, { numClasses: spec.numClasses, seed: 100 + index });
  await exportOne(
    net,
    `${spec.constructor}_nc${spec.numClasses}`,
    `torchvision.models.${spec.constructor}(weights=None, num_classes=${spec.numClasses})`,
    [2, 64, 48, 3],
    21 + index,
  );
  net.dispose();
}
await writeFile(join(outDir, 'exports.json'), JSON.stringify({ models: entries }, null, 2));
