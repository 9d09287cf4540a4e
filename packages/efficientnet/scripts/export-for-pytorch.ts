/**
 * Writes torchvision-named exports of a few of our models, plus an input and our logits, so
 * `scripts/check_pytorch_load.py` can load them with `load_state_dict(strict=True)` and compare:
 *   npx tsx scripts/export-for-pytorch.ts <outDir>
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { efficientNet, exportTorchvisionWeights } from '../src/index.js';
import { useBackend } from './backend.js';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: export-for-pytorch <outDir>');
  process.exit(2);
}
await useBackend('cpu');
await mkdir(outDir, { recursive: true });
const models = [
  { variant: 'b0', constructor: 'efficientnet_b0', numClasses: 1000, size: [64, 48] },
  { variant: 'b3', constructor: 'efficientnet_b3', numClasses: 50, size: [50, 38] },
  { variant: 'v2-s', constructor: 'efficientnet_v2_s', numClasses: 10, size: [64, 64] },
] as const;
const entries = [];
for (const [index, spec] of models.entries()) {
  const net = efficientNet(spec.variant, { numClasses: spec.numClasses, seed: 100 + index });
  const shape = [2, spec.size[0], spec.size[1], 3];
  const x = tf.randomUniform(shape, 0, 1, 'float32', 7 + index);
  // Fresh BN stats (mean 0, var 1) make eval activations vanish. Calibrate them: with Keras
  // momentum 0, one training-mode pass stores this batch's statistics; then vary gamma/beta.
  const batchNorms = net.model.layers.filter((layer) => layer.getClassName() === 'BatchNormalization') as unknown as { momentum: number; getWeights(): tf.Tensor[]; setWeights(w: tf.Tensor[]): void }[];
  for (const layer of batchNorms) layer.momentum = 0;
  tf.tidy(() => net.model.apply(x, { training: true }));
  for (const [i, layer] of batchNorms.entries()) {
    layer.momentum = 1 - 0.1;
    // getWeights() returns the live variables: never dispose them.
    const [, , mean, variance] = layer.getWeights();
    const c = mean!.shape[0]!;
    tf.tidy(() => layer.setWeights([tf.randomUniform([c], 0.5, 1.5, 'float32', i + 1), tf.randomNormal([c], 0, 0.1, 'float32', i + 2), mean!.clone(), variance!.clone()]));
  }
  const logits = tf.tidy(() => net.model.predict(x) as tf.Tensor);
  const name = `${spec.constructor}_nc${spec.numClasses}`;
  await writeFile(join(outDir, `${name}.safetensors`), exportTorchvisionWeights(net));
  await writeFile(join(outDir, `${name}.input.bin`), new Uint8Array(x.dataSync().buffer));
  await writeFile(join(outDir, `${name}.logits.bin`), new Uint8Array(logits.dataSync().slice().buffer));
  entries.push({ name, constructor: spec.constructor, num_classes: spec.numClasses, input_shape_nhwc: shape, logits_shape: logits.shape });
  console.log(`exported ${name}: ${net.countParameters()} parameters`);
  tf.dispose([x, logits]);
  net.dispose();
}
await writeFile(join(outDir, 'exports.json'), JSON.stringify({ models: entries }, null, 2));
