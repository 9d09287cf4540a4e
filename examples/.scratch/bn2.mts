import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../packages/backend/src/index.js';
import { seedNetwork } from '../lib/recipes.js';
await initBackend({ backend: (process.argv[2] ?? 'wasm') as 'wasm' });
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '../../packages/efficientnet/src/index.js';
const net = buildEfficientNet(withMultipliers(efficientNetConfig('b3'), 0.3, 0.35), { numClasses: 10, inputSize: 32, head: 'seed', headDropout: 0, dropout: 0, stochasticDepthProb: 0 });
const x = tf.randomNormal([16, 32, 32, 3], 0.5, 1, 'float32', 3);
// Pull every moving statistic to this batch's statistics.
for (let i = 0; i < 250; i++) tf.tidy(() => { net.model.apply(x, { training: true }); });
const bnLayers = net.model.layers.filter((l) => l.getClassName().includes('BatchNorm'));
// Compare layer by layer: a model to every BN output, in both modes.
const outs = bnLayers.map((l) => l.output as tf.SymbolicTensor);
const probe = tf.model({ inputs: net.model.inputs, outputs: outs });
const train = probe.apply(x, { training: true }) as tf.Tensor[];
const evalOut = probe.apply(x, { training: false }) as tf.Tensor[];
for (let i = 0; i < 8; i += 1) {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(train[i]!, evalOut[i]!))).dataSync()[0]);
  const m = tf.tidy(() => tf.max(tf.abs(train[i]!)).dataSync()[0]);
  console.log(bnLayers[i]!.name, 'max|train-eval|', d!.toFixed(4), 'max|train|', m!.toFixed(3));
}
process.exit(0);
