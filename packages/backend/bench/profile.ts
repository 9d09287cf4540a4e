/**
 * Per-kernel profile of one EfficientNet training step on the wasm backend, before (stock
 * kernels + plain-JS missing kernels) and after (@art/backend kernels).
 * Usage: tsx bench/profile.ts [variant=b0] [batch=4] [threads=2]
 */
import * as tf from '@tensorflow/tfjs';
import { efficientNetB0, efficientNetB3 } from '@art/efficientnet';
import { initBackend, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/index.js';
import { registerNaiveKernels } from './naive-kernels.js';

const [variant = 'b0', batchArg = '4', threadsArg = '2'] = process.argv.slice(2);
const batch = Number(batchArg);
await initBackend({ backend: 'wasm', threads: Number(threadsArg), trainingKernels: false });
const net = variant === 'b3' ? efficientNetB3({ numClasses: 10, inputSize: 300 }) : efficientNetB0({ numClasses: 10, inputSize: 224 });
const size = net.model.inputs[0]!.shape[1]!;
const model = net.model;
const optimizer = tf.train.sgd(0.01);
const x = tf.randomNormal([batch, size, size, 3]);
const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8].slice(0, batch), 'int32'), 10);

function step(): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    optimizer.applyGradients(grads);
  });
}

async function profile(label: string): Promise<void> {
  step();
  const start = performance.now();
  step();
  const stepMs = performance.now() - start;
  const info = await tf.profile(step);
  const byKernel = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = k.kernelTimeMs as number;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
    total += ms;
  }
  const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 14);
  console.log(`\n${label}: step ${stepMs.toFixed(0)} ms, kernels ${total.toFixed(0)} ms, peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB`);
  for (const [name, ms] of top) console.log(`  ${name.padEnd(38)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%`);
}

if (!process.argv.includes('--after-only')) {
  unregisterWasmTrainingKernels();
  registerNaiveKernels();
  await profile(`before (stock wasm + plain-JS kernels), ${variant} ${size}px batch ${batch}`);
}
registerWasmTrainingKernels();
await profile(`after (@art/backend kernels), ${variant} ${size}px batch ${batch}`);
process.exit(0);
