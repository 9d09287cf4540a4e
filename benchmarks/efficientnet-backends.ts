/**
 * Throughput benchmark: inference images/s and one training step (Adam, softmax cross-entropy)
 * for B0 at 224 px and B3 at 300 px, batch 8 and 4, on the chosen backend.
 *   npm run bench:backends -w @art/benchmarks -- [--backend wasm|cpu|auto|tensorflow|webgpu] [--threads N]
 *     [--variants b0,b3] [--batches 8,4] [--iterations 1] [--no-training] [--max-seconds 600] [--stock]
 *
 * Backend: started with @art/backend's `initBackend` (default `wasm`, threads = logical cores up to 8, as `initBackend`
 * does), which registers the conv gradient kernels stock tfjs-backend-wasm 4.22 lacks, and the
 * step runs through its `createTrainStep`. On wasm a batch whose estimated training peak
 * (`estimateTrainingMemory`) is above the 4 GiB heap's budget is split into equal micro-batches
 * with accumulated gradients, printed as e.g. "8 = 4x2" (micro-batch size x count). `--stock`
 * measures stock TF.js instead (default `cpu`, where one B0 batch-4 step takes about 20
 * minutes; stock wasm runs inference only).
 *
 * Each measurement follows a warm-up: inference at batch 1 per model, then per batch one
 * inference and one training step, both under `tf.profile` for the peak tensor memory (the
 * warm-up training step also creates Adam's slots). The timed runs are not profiled.
 * Memory: peak tensor bytes (`tf.profile`; TF.js adds the bytes of every tensor, also of tensors
 * sharing one buffer, so on wasm this can exceed the heap), on wasm the heap size (it only
 * grows, so it is the high-water mark so far), and the process's max RSS.
 * `--max-seconds` (0 = no limit): a row that would start after the budget is skipped; training
 * is skipped when its warm-up and timed steps, estimated from the inference time (a step takes
 * about 7-9x a batch's inference on wasm with @art/backend, about 27x on cpu), or the timed
 * steps after the measured warm-up would overrun it. Everything skipped is reported.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as artBackend from '@art/backend';
import { efficientNet, preprocessingFor, type EfficientNet } from '@art/efficientnet';
import { useStockBackend } from './lib/stock-backend.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    threads: { type: 'string' },
    variants: { type: 'string', default: 'b0,b3' },
    batches: { type: 'string', default: '8,4' },
    iterations: { type: 'string', default: '1' },
    'no-training': { type: 'boolean', default: false },
    'max-seconds': { type: 'string', default: '600' },
    stock: { type: 'boolean', default: false },
  },
});
const maxSeconds = Number(values['max-seconds']);
if (!(maxSeconds >= 0))
  throw new RangeError(`--max-seconds must be a number >= 0 (0 = no limit); got ${values['max-seconds']}`);
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 1)
  throw new RangeError(`--iterations must be a positive integer; got ${values.iterations}`);
const batches = values.batches!.split(',').map(Number);
if (!batches.every((b) => Number.isInteger(b) && b > 0))
  throw new RangeError(`--batches must be positive integers; got ${values.batches}`);
const threads = values.threads === undefined ? undefined : Number(values.threads);
if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
  throw new RangeError(`--threads must be a positive integer; got ${values.threads}`);
const training = !values['no-training'];

const benchStart = performance.now();
const elapsed = () => (performance.now() - benchStart) / 1000;
const overBudget = (extraSeconds = 0) => maxSeconds > 0 && elapsed() + extraSeconds > maxSeconds;
const skipped: string[] = [];
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const maxRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB

const art: typeof artBackend | undefined = values.stock ? undefined : artBackend;
const backendRequest = values.backend ?? (art ? 'wasm' : 'cpu');
if (art) {
  const backendRequested = backendRequest as artBackend.BackendRequest;
  if (!art.backendNames.includes(backendRequested))
    throw new RangeError(`--backend must be one of ${art.backendNames.join(', ')}; got ${backendRequest}`);
  const selection = await art.initBackend({ backend: backendRequested, ...(threads === undefined ? {} : { threads }) });
  console.log(`backend ${selection.name}: ${selection.reason} (started by @art/backend)`);
} else {
  console.log(
    '--stock: stock TF.js backends (cpu, wasm) without @art/backend: stock tfjs-backend-wasm 4.22 has no conv ' +
      'gradient kernels, so training is only measured on cpu, where one B0 batch-4 step takes about 20 minutes.',
  );
  if (threads !== undefined) console.log('--threads is ignored with --stock (stock wasm runs single-threaded in Node)');
  await useStockBackend(backendRequest);
}
const backendName = tf.getBackend();

/** Step time per inference time, for the budget check before the warm-up step (see the header). */
const trainToInferenceRatio = backendName === 'cpu' ? 30 : 10;
const wasmHeapMiB = (): number | undefined =>
  backendName === 'wasm'
    ? mib((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length)
    : undefined;

// With --stock, stock wasm lacks the conv gradient kernels; a failed tape leaves the engine unusable, so check first.
const GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];
const missingKernels = GRADIENT_KERNELS.filter((kernel) => tf.getKernel(kernel, backendName) === undefined);

/** "8 = 4x2": micro-batch size x count, plus the remainder when the split is uneven. */
function formatSplit(batch: number, microBatch: number): string {
  const count = Math.floor(batch / microBatch);
  const remainder = batch - count * microBatch;
  return `${batch} = ${microBatch}x${count}${remainder > 0 ? `+${remainder}` : ''}`;
}

interface TrainingPlan {
  split: string;
  note?: string;
  run: () => Promise<void>;
  dispose: () => void;
}

/** One training step on (x, y): @art/backend's `createTrainStep`, with --stock `optimizer.minimize`. */
function planTraining(net: EfficientNet, x: tf.Tensor, y: tf.Tensor, batch: number, size: number): TrainingPlan {
  const optimizer = tf.train.adam(1e-4);
  if (!art) {
    return {
      split: formatSplit(batch, batch),
      run: async () => {
        const loss = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, net.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        )!;
        await loss.data();
        loss.dispose();
      },
      dispose: () => optimizer.dispose(),
    };
  }
  let microBatch = batch;
  let note: string | undefined;
  if (backendName === 'wasm') {
    const estimate = art.estimateTrainingMemory(net.model, batch, [size, size, 3]);
    if (estimate.maxMicroBatchSize < 1) {
      optimizer.dispose();
      throw new RangeError(
        `one sample needs about ${mib(estimate.parameterBytes + (estimate.peakBytes - estimate.parameterBytes) / batch)} ` +
          `MiB, above the ${mib(estimate.limitBytes)} MiB wasm budget`,
      );
    }
    if (!estimate.fits) {
      // As few micro-batches as fit, of equal size where possible, so each trains on as many samples.
      const count = Math.ceil(batch / estimate.maxMicroBatchSize);
      microBatch = Math.ceil(batch / count);
    }
    note =
      `estimated peak for the whole batch ${mib(estimate.peakBytes)} MiB, budget ${mib(estimate.limitBytes)} ` +
      `MiB of the ${mib(art.wasmMemoryCeilingBytes)} MiB heap ceiling, largest micro-batch that fits ${estimate.maxMicroBatchSize}`;
  }
  const step = art.createTrainStep({
    model: net.model,
    optimizer,
    loss: 'softmaxCrossEntropy',
    microBatchSize: microBatch,
  });
  return {
    split: formatSplit(batch, microBatch),
    ...(note === undefined ? {} : { note }),
    run: async () => {
      await step(x, y);
    },
    dispose: () => optimizer.dispose(),
  };
}

console.log(
  `active backend ${backendName}, node ${process.version}, iterations ${iterations}, budget ${maxSeconds > 0 ? `${maxSeconds} s` : 'none'}`,
);
const header =
  'variant  size  batch  infer img/s  infer s/batch  train step s  micro-batches  peak tensors MiB (infer/train)  wasm heap MiB  max RSS MiB';
const table: string[] = [];
const results = [];
console.log(header);
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
    const tensorsBefore = tf.memory().numTensors;
    const x = tf.randomUniform([batch, size, size, 3], -2, 2, 'float32', 1);
    const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 1000, 'int32', 2), 1000));
    const predict = () => {
      const logits = net.model.predict(x) as tf.Tensor;
      logits.dataSync();
      return logits;
    };
    // Warm-up at this batch size, profiled for the peak tensor memory.
    const inferProfile = await tf.profile(predict);
    tf.dispose(inferProfile.result as tf.Tensor);
    const inferPeak = inferProfile.peakBytes;
    let inferSeconds = 0;
    for (let i = 0; i < iterations; i += 1) {
      const start = performance.now();
      tf.dispose(predict());
      inferSeconds += (performance.now() - start) / 1000;
    }
    inferSeconds /= iterations;
    console.log(`         ${variant} batch ${batch}: inference ${inferSeconds.toFixed(2)} s/batch`);

    let trainSeconds = Number.NaN;
    let warmupSeconds = Number.NaN;
    let trainPeak = Number.NaN;
    let split = '-';
    let trainError: string | undefined;
    if (training && !art && missingKernels.length > 0) {
      trainError = `kernels not registered for ${backendName}: ${missingKernels.join(', ')} (@art/backend registers them for wasm)`;
    } else if (training && overBudget(trainToInferenceRatio * inferSeconds * (1 + iterations))) {
      trainError =
        `skipped: a warm-up and ${iterations} timed step(s), estimated ` +
        `at ${(trainToInferenceRatio * inferSeconds * (1 + iterations)).toFixed(0)} s, would exceed ` +
        `--max-seconds ${maxSeconds} (elapsed ${elapsed().toFixed(0)} s)`;
    } else if (training) {
      let plan: TrainingPlan | undefined;
      try {
        plan = planTraining(net, x, y, batch, size);
        split = plan.split;
        console.log(`         ${variant} batch ${batch}: training as ${split}${plan.note ? ` (${plan.note})` : ''}`);
        const warmupStart = performance.now();
        const trainProfile = await tf.profile(plan.run);
        warmupSeconds = (performance.now() - warmupStart) / 1000;
        trainPeak = trainProfile.peakBytes;
        console.log(
          `         ${variant} batch ${batch}: warm-up training step ${warmupSeconds.toFixed(2)} s (profiled)`,
        );
        if (overBudget(warmupSeconds * iterations)) {
          trainError =
            `skipped after the ${warmupSeconds.toFixed(0)} s warm-up step: ${iterations} ` +
            `more would exceed --max-seconds ${maxSeconds} (elapsed ${elapsed().toFixed(0)} s)`;
        } else {
          trainSeconds = 0;
          for (let i = 0; i < iterations; i += 1) {
            const start = performance.now();
            await plan.run();
            trainSeconds += (performance.now() - start) / 1000;
          }
          trainSeconds /= iterations;
        }
      } catch (error) {
        // e.g. stock tfjs-backend-wasm without the gradient kernels, or the wasm heap running out: report, keep benchmarking.
        trainError = (error as Error).message.split('\n')[0];
      } finally {
        plan?.dispose();
      }
    }
    tf.dispose([x, y]);
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked !== 0) console.warn(`         ${variant} batch ${batch}: ${leaked} tensors left behind`);
    const heap = wasmHeapMiB();
    const row = {
      variant,
      size,
      batch,
      imagesPerSecond: batch / inferSeconds,
      inferSeconds,
      trainSeconds,
      warmupTrainSeconds: warmupSeconds,
      microBatches: split,
      ...(trainError ? { trainError } : {}),
      inferPeakMiB: mib(inferPeak),
      trainPeakMiB: Number.isNaN(trainPeak) ? null : mib(trainPeak),
      wasmHeapMiB: heap ?? null,
      maxRssMiB: maxRssMiB(),
    };
    results.push(row);
    const line =
      `${variant.padEnd(8)} ${String(size).padStart(4)}  ${String(batch).padStart(5)}  ${row.imagesPerSecond.toFixed(2).padStart(11)}  ` +
      `${inferSeconds.toFixed(2).padStart(13)}  ${(Number.isNaN(trainSeconds) ? '-' : trainSeconds.toFixed(2)).padStart(12)}  ${split.padStart(13)}  ` +
      `${`${row.inferPeakMiB}/${row.trainPeakMiB ?? '-'}`.padStart(30)}  ${String(heap ?? '-').padStart(13)}  ${String(row.maxRssMiB).padStart(11)}`;
    table.push(line);
    console.log(line);
    if (trainError) console.log(`         training step not measured on ${backendName}: ${trainError}`);
  }
  net.dispose();
}
if (skipped.length > 0)
  console.log(`skipped over the ${maxSeconds} s budget (--max-seconds 0 runs everything): ${skipped.join(', ')}`);
console.log(
  `\nsummary (${backendName}; micro-batches: size x count; peak tensors: TF.js's count, which adds every tensor's bytes even when tensors ` +
    `share one buffer (reshapes; on wasm @art/backend's copy-free Identity), so it can exceed the ` +
    `wasm heap; wasm heap: size after the row, it never shrinks)\n` +
    `${header}\n${table.join('\n')}`,
);
console.log(`total ${elapsed().toFixed(0)} s`);
console.log(JSON.stringify({ backend: backendName, results, skipped }));
// The wasm backend's pthread workers keep the event loop alive.
process.exit(0);
