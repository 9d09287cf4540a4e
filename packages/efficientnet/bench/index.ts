/**
 * Throughput benchmark: inference images/s and one training step (Adam, softmax cross-entropy)
 * for B0 at 224 px and B3 at 300 px, batch 8 and 4, on the chosen backend.
 *   npm run bench -w @art/efficientnet -- [--backend cpu|wasm] [--variants b0,b3] [--batches 8,4] [--iterations 1] [--no-training] [--max-seconds 240]
 * Peak memory: TF.js `peakBytes` from `tf.profile` (tensor memory) and the process's max RSS.
 * `--max-seconds` keeps the default run to a few minutes: a measurement that would start after
 * the budget, or a training step estimated (3x its inference time) to overrun it, is skipped and
 * reported. TF.js's pure-JS cpu backend needs far longer for the full table; pass 0 for no limit.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { efficientNet, preprocessingFor } from '../src/index.js';
import { useBackend } from '../scripts/backend.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu' },
    variants: { type: 'string', default: 'b0,b3' },
    batches: { type: 'string', default: '8,4' },
    iterations: { type: 'string', default: '1' },
    'no-training': { type: 'boolean', default: false },
    'max-seconds': { type: 'string', default: '240' },
  },
});
const maxSeconds = Number(values['max-seconds']);
if (!(maxSeconds >= 0)) throw new RangeError(`--max-seconds must be a number >= 0 (0 = no limit); got ${values['max-seconds']}`);
const benchStart = performance.now();
const elapsed = () => (performance.now() - benchStart) / 1000;
const overBudget = (extraSeconds = 0) => maxSeconds > 0 && elapsed() + extraSeconds > maxSeconds;
const skipped: string[] = [];
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`--iterations must be a positive integer; got ${values.iterations}`);
const batches = values.batches!.split(',').map(Number);
if (!batches.every((b) => Number.isInteger(b) && b > 0)) throw new RangeError(`--batches must be positive integers; got ${values.batches}`);
await useBackend(values.backend!);

// tfjs-backend-wasm 4.22 lacks the conv gradient kernels; a failed tape leaves the engine unusable, so check first.
const GRADIENT_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'];
const missingKernels = GRADIENT_KERNELS.filter((kernel) => tf.getKernel(kernel, tf.getBackend()) === undefined);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const maxRssMiB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0); // maxRSS is in KiB
console.log(`backend ${tf.getBackend()}, node ${process.version}, iterations ${iterations}`);
console.log('variant  size  batch  infer img/s  infer s/batch  train step s  peak tensors MiB (infer/train)  max RSS MiB');
const results = [];
for (const variant of values.variants!.split(',')) {
  const size = preprocessingFor(variant).cropSize;
  const net = efficientNet(variant, { numClasses: 1000, inputSize: size });
  // Warm-up at batch 1: first-call costs (kernel setup, wasm operator caches) stay out of the timings.
  tf.tidy(() => (net.model.predict(tf.zeros([1, size, size, 3])) as tf.Tensor).dataSync());
  for (const batch of batches) {
    if (overBudget()) {
      skipped.push(`${variant}@${size} batch ${batch}`);
      continue;
    }
    const x = tf.randomUniform([batch, size, size, 3], -2, 2, 'float32', 1);
    const y = tf.oneHot(tf.randomUniform([batch], 0, 1000, 'int32', 2), 1000);
    let inferSeconds = 0;
    let inferPeak = 0;
    for (let i = 0; i < iterations; i += 1) {
      const start = performance.now();
      const info = await tf.profile(() => {
        const logits = net.model.predict(x) as tf.Tensor;
        logits.dataSync();
        return logits;
      });
      inferSeconds += (performance.now() - start) / 1000;
      inferPeak = Math.max(inferPeak, info.peakBytes);
      tf.dispose(info.result as tf.Tensor);
    }
    inferSeconds /= iterations;
    console.log(`         ${variant} batch ${batch}: inference ${inferSeconds.toFixed(2)} s/batch`);
    let trainSeconds = Number.NaN;
    let trainPeak = 0;
    let trainError: string | undefined;
    if (!values['no-training'] && missingKernels.length > 0) {
      trainError = `kernels not registered for ${tf.getBackend()}: ${missingKernels.join(', ')}`;
    } else if (!values['no-training'] && overBudget(3 * inferSeconds)) {
      trainError = `skipped: estimated ${(3 * inferSeconds).toFixed(0)} s would exceed --max-seconds ${maxSeconds} (elapsed ${elapsed().toFixed(0)} s)`;
    } else if (!values['no-training']) {
      const optimizer = tf.train.adam(1e-4);
      const tensorsBefore = tf.memory().numTensors;
      try {
        const start = performance.now();
        const info = await tf.profile(() => {
          const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, net.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
          loss.dataSync();
          return loss;
        });
        trainSeconds = (performance.now() - start) / 1000;
        trainPeak = info.peakBytes;
        tf.dispose(info.result as tf.Tensor);
      } catch (error) {
        // e.g. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel: report, keep benchmarking.
        trainError = (error as Error).message;
        if (tf.memory().numTensors > tensorsBefore) console.warn(`training failed; ${tf.memory().numTensors - tensorsBefore} tensors left behind`);
      }
      optimizer.dispose();
    }
    const row = { variant, size, batch, imagesPerSecond: batch / inferSeconds, inferSeconds, trainSeconds, ...(trainError ? { trainError } : {}), inferPeakMiB: Number(mib(inferPeak)), trainPeakMiB: Number(mib(trainPeak)), maxRssMiB: Number(maxRssMiB()) };
    results.push(row);
    console.log(
      `${variant.padEnd(8)} ${String(size).padStart(4)}  ${String(batch).padStart(5)}  ${row.imagesPerSecond.toFixed(2).padStart(11)}  ${inferSeconds.toFixed(2).padStart(13)}  ${trainSeconds.toFixed(2).padStart(12)}  ${`${row.inferPeakMiB}/${row.trainPeakMiB}`.padStart(30)}  ${String(row.maxRssMiB).padStart(11)}`,
    );
    if (trainError) console.log(`         training step not measured on ${tf.getBackend()}: ${trainError}`);
    tf.dispose([x, y]);
  }
  net.dispose();
}
if (skipped.length > 0) console.log(`skipped over the ${maxSeconds} s budget (--max-seconds 0 runs everything): ${skipped.join(', ')}`);
console.log(`total ${elapsed().toFixed(0)} s`);
console.log(JSON.stringify({ backend: tf.getBackend(), results, skipped }));
