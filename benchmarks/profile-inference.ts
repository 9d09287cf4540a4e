/**
 * `npx tsx benchmarks/profile-inference.ts [--variant b0|b3] [--batch N] [--threads N] [--path folded|layers]`: where one
 * EfficientNet inference batch spends its kernel time on wasm (tf.profile, wall clock per kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { createInferenceFunction, efficientNetB0, efficientNetB3 } from '@art/efficientnet';
import { initBackend } from '@art/backend';
import { numberOption, option } from './lib/options.js';

const variant = option('variant', 'b0');
const batch = numberOption('batch', 8);
const threads = numberOption('threads', 2);
const selection = await initBackend({ backend: 'wasm', threads });
console.log(`backend: ${selection.name} (${selection.reason})`);
const size = variant === 'b0' ? 224 : 300;
const net =
  variant === 'b0'
    ? efficientNetB0({ numClasses: 10, inputSize: size })
    : efficientNetB3({ numClasses: 10, inputSize: size });
const x = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
const path = option('path', 'folded');
const predict =
  path === 'folded' ? createInferenceFunction(net) : (input: tf.Tensor4D) => net.model.predict(input) as tf.Tensor;
console.log(`path: ${path === 'folded' ? 'createInferenceFunction' : 'net.model.predict'}`);
const run = async () => {
  const out = predict(x);
  await out.data();
  out.dispose();
};
// Several warm-up runs: V8 compiles the wasm module lazily and tiers hot functions up over
// the first few batches, so early timings are up to 3x too slow.
for (let i = 0; i < 6; i++) {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  console.log(`predict run ${i + 1}: ${ms.toFixed(0)} ms (${((1000 * batch) / ms).toFixed(1)} img/s)`);
}
const info = await tf.profile(run);
const byKernel = new Map<string, { ms: number; calls: number }>();
let total = 0;
for (const k of info.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += k.kernelTimeMs as number;
  entry.calls++;
  byKernel.set(k.name, entry);
  total += k.kernelTimeMs as number;
}
console.log(
  `${variant} ${size} inference batch ${batch}: ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels`,
);
for (const [name, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(
    `  ${name.padEnd(30)} ${String(calls).padStart(5)} calls ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%`,
  );
}
tf.dispose(x);
net.dispose();
process.exit(0);
