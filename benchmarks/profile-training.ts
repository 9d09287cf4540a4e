/**
 * `npx tsx benchmarks/profile-training.ts [--variant b0|b3] [--batch N] [--threads N] [--warmups N] [--steps N] [--shapes [--kernel Name]]`:
 * where one EfficientNet training step (createTrainStep, momentum SGD, softmax cross-entropy)
 * spends its time on wasm: every wasm kernel's kernelFunc is wrapped with a timer, averaged over
 * `--steps` steps after `--warmups` (V8 tiers wasm code up over the first runs). Unlike
 * tf.profile, which adds its own work per kernel and inflated the kernel sum past the step time,
 * this costs a timer per call. Kernels that our kernels call internally (BatchMatMul, Transpose,
 * PadV2...) are listed under "nested", not in the top-level sum.
 */
import * as tf from '@tensorflow/tfjs';
import { efficientNetB0, efficientNetB3 } from '@art/efficientnet';
import { createTrainStep, initBackend } from '@art/backend';
import { flag, numberOption, option } from './lib/options.js';

const variant = option('variant', 'b0');
const batch = numberOption('batch', 4);
const threads = numberOption('threads', 2);
const warmups = numberOption('warmups', 4);
const steps = numberOption('steps', 3);
const only = option('kernel', '');
const selection = await initBackend({ backend: 'wasm', threads });
console.log(`backend: ${selection.name} (${selection.reason})`);

interface Entry {
  ms: number;
  calls: number;
}
const topLevel = new Map<string, Entry>();
const nested = new Map<string, Entry>();
const byShape = new Map<string, Entry>();
let recording = false;
let depth = 0;
const add = (map: Map<string, Entry>, key: string, ms: number) => {
  const entry = map.get(key) ?? { ms: 0, calls: 0 };
  entry.ms += ms;
  entry.calls++;
  map.set(key, entry);
};
for (const config of tf.getKernelsForBackend('wasm')) {
  const original = config.kernelFunc;
  (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
    if (!recording) return original(args);
    depth++;
    const start = performance.now();
    try {
      return original(args);
    } finally {
      const ms = performance.now() - start;
      depth--;
      add(depth === 0 ? topLevel : nested, config.kernelName, ms);
      if (depth === 0)
        add(
          byShape,
          `${config.kernelName} ${Object.values(args.inputs)
            .map((t) => `[${(t as tf.TensorInfo | null)?.shape ?? ''}]`)
            .join(' ')}`,
          ms,
        );
    }
  };
}

const size = variant === 'b0' ? 224 : 300;
const net =
  variant === 'b0'
    ? efficientNetB0({ numClasses: 10, inputSize: size })
    : efficientNetB3({ numClasses: 10, inputSize: size });
const x = tf.randomNormal([batch, size, size, 3]);
const y = tf.tidy(() =>
  tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 10),
      'int32',
    ),
    10,
  ),
);
const optimizer = tf.train.momentum(0.01, 0.9);
const step = createTrainStep({ model: net.model, optimizer, loss: 'softmaxCrossEntropy', microBatchSize: batch });
/** Wall-clock ms of `count` training steps. */
async function timeSteps(count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await step(x, y);
    times.push(performance.now() - start);
  }
  return times;
}
const warmupTimes = await timeSteps(warmups);
recording = true;
const stepTimes = await timeSteps(steps);
recording = false;
const format = (values: number[]) => values.map((ms) => ms.toFixed(0)).join(', ');
console.log(
  `${variant} ${size} train batch ${batch}: warm-up steps ${format(warmupTimes)} ms; timed steps ${format(stepTimes)} ms`,
);
const perStep = (ms: number) => ms / steps;
const kernelSum = [...topLevel.values()].reduce((sum, entry) => sum + entry.ms, 0);
const meanStep = stepTimes.reduce((a, b) => a + b, 0) / steps;
console.log(
  `per step: ${meanStep.toFixed(0)} ms, of which ${perStep(kernelSum).toFixed(0)} ms in kernels (the rest: engine, tape, JS)`,
);
for (const [name, entry] of [...topLevel].sort((a, b) => b[1].ms - a[1].ms)) {
  if (perStep(entry.ms) < 0.5) continue;
  console.log(
    `  ${name.padEnd(38)} ${String(entry.calls / steps).padStart(5)} calls ${perStep(entry.ms).toFixed(1).padStart(8)} ` +
      `ms ${((100 * entry.ms) / kernelSum).toFixed(1).padStart(5)}%`,
  );
}
console.log('nested (inside the kernels above):');
for (const [name, entry] of [...nested].sort((a, b) => b[1].ms - a[1].ms)) {
  if (perStep(entry.ms) < 0.5) continue;
  console.log(
    `  ${name.padEnd(38)} ${String(entry.calls / steps).padStart(5)} calls ${perStep(entry.ms).toFixed(1).padStart(8)} ms`,
  );
}
if (flag('shapes')) {
  for (const [key, entry] of [...byShape]
    .filter(([key]) => only === '' || key.startsWith(`${only} `))
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 40)) {
    console.log(`  ${perStep(entry.ms).toFixed(1).padStart(8)} ms ${String(entry.calls / steps).padStart(4)}x ${key}`);
  }
}
tf.dispose([x, y]);
optimizer.dispose();
net.dispose();
process.exit(0);
