/**
 * `npm run bench:wasm -w @art/benchmarks`: our wasm backend (with @art/backend kernels and threads) against Debian's
 * PyTorch on the same machine, in one run: EfficientNet-B0 (224 px) training step at batch 4
 * and batch 8 (two accumulated micro-batches of 4), B3 (300 px) training step, and inference.
 * Inference runs `createInferenceFunction(net)` from @art/efficientnet (BatchNorm folded into
 * fused convolutions, SIMD SiLU); one more B0 row runs the layers model's `predict`, the path
 * before it, for comparison (PyTorch's figure for that row is the same case's).
 *
 * Options: --threads N (wasm, default 2), --torch-threads N (default 2), --repeats N (default 3),
 * --no-b3, --no-torch, --no-layers-predict, --profile (top kernels of one B0 batch-4 step). With 1 thread on each side the CPU-time ratio is the
 * comparison least disturbed by other jobs (no spin-waiting thread pools).
 * Times are medians after warm-up runs (PyTorch: one): two for inference, three for training
 * steps, because V8 compiles WebAssembly lazily and moves hot functions to its optimising tier
 * in the background (on this 2-core machine, competing with the 2 compute threads): the first
 * run of a new case is up to 2x slower, and a B0 training step is still ~20% slower on its
 * third run than from its fourth on (1.8, 1.2, 1.2, then 1.0 s). "cpu" is process CPU time (user + system), which is
 * less sensitive than wall time to other jobs on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createInferenceFunction, efficientNetB0, efficientNetB3 } from '@art/efficientnet';
import { createTrainStep, estimateTrainingMemory, initBackend } from '@art/backend';
import { flag, numberOption } from './lib/options.js';

const threads = numberOption('threads', 2);
const torchThreads = numberOption('torch-threads', 2);
const repeats = numberOption('repeats', 3);

interface Case {
  name: string;
  variant: 'b0' | 'b3';
  size: number;
  batch: number;
  micro?: number;
  mode: 'train' | 'infer';
  /** Inference through the layers model's predict instead of createInferenceFunction. */
  layersPredict?: boolean;
  /** The case whose PyTorch timing this row is compared with (default: its own). */
  torchCase?: string;
}
interface Timing {
  wall: number;
  cpu: number;
}

const selection = await initBackend({ backend: 'wasm', threads });
console.log(`backend: ${selection.name} (${selection.reason})`);
const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;

const b3Micro = estimateTrainingMemory(
  efficientNetB3({ numClasses: 10, inputSize: 300, initializer: 'zeros' }).model,
  1,
  [300, 300, 3],
).maxMicroBatchSize;
tf.disposeVariables();
const cases: Case[] = [
  { name: 'B0 224 train batch 4', variant: 'b0', size: 224, batch: 4, mode: 'train' },
  { name: 'B0 224 train batch 8 (2 x 4 accumulated)', variant: 'b0', size: 224, batch: 8, micro: 4, mode: 'train' },
  { name: 'B0 224 inference batch 8', variant: 'b0', size: 224, batch: 8, mode: 'infer' },
];
if (!flag('no-layers-predict')) {
  cases.push({
    name: 'B0 224 inference batch 8, model.predict',
    variant: 'b0',
    size: 224,
    batch: 8,
    mode: 'infer',
    layersPredict: true,
    torchCase: 'B0 224 inference batch 8',
  });
}
if (!flag('no-b3')) {
  const micro = Math.max(1, Math.min(4, b3Micro));
  cases.push(
    {
      name: `B3 300 train batch 4 (${4 / micro} x ${micro} accumulated)`,
      variant: 'b3',
      size: 300,
      batch: 4,
      micro,
      mode: 'train',
    },
    { name: 'B3 300 inference batch 8', variant: 'b3', size: 300, batch: 8, mode: 'infer' },
  );
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

async function timed(fn: () => Promise<void>, warmups = 2): Promise<Timing> {
  // Warm-up: kernels set up, XNNPACK weights packed, optimizer slots created, wasm code tiered up.
  for (let i = 0; i < warmups; i++) await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    await fn();
    wall.push((performance.now() - start) / 1000);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

let inferencePath = '';

async function runOurs(c: Case): Promise<Timing & { heap: number }> {
  const net =
    c.variant === 'b0'
      ? efficientNetB0({ numClasses: 10, inputSize: c.size })
      : efficientNetB3({ numClasses: 10, inputSize: c.size });
  const x = tf.randomNormal([c.batch, c.size, c.size, 3]);
  const y = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: c.batch }, (_, i) => i % 10),
        'int32',
      ),
      10,
    ),
  );
  let timing: Timing;
  if (c.mode === 'train') {
    const optimizer = tf.train.momentum(0.01, 0.9);
    const step = createTrainStep({
      model: net.model,
      optimizer,
      loss: 'softmaxCrossEntropy',
      microBatchSize: c.micro ?? c.batch,
    });
    timing = await timed(async () => {
      await step(x, y);
    }, 3);
    optimizer.dispose();
  } else if (c.layersPredict) {
    timing = await timed(async () => {
      const out = net.model.predict(x) as tf.Tensor;
      await out.data();
      out.dispose();
    });
  } else {
    const predict = createInferenceFunction(net);
    inferencePath = predict.description;
    timing = await timed(async () => {
      const out = predict(x as tf.Tensor4D);
      await out.data();
      out.dispose();
    });
    predict.dispose();
  }
  tf.dispose([x, y]);
  net.dispose();
  return { ...timing, heap: heapBytes() };
}

function runTorch(): Record<string, Timing> & { peakRssBytes?: number; torch?: string } {
  const script = fileURLToPath(new URL('./pytorch_bench.py', import.meta.url));
  const config = {
    repeats,
    threads: torchThreads,
    cases: cases.filter((c) => c.torchCase === undefined).map((c) => ({ ...c })),
  };
  const result = spawnSync('/usr/bin/python3', [script, JSON.stringify(config)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (result.status !== 0) {
    console.log(
      `PyTorch run failed (${result.error?.message ?? result.stderr.slice(-500)}); install python3-torch python3-torchvision`,
    );
    return {};
  }
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

if (flag('profile')) await profileStep();

/** Where one B0 training step spends its kernel time (tf.profile, wall clock per kernel). */
async function profileStep(): Promise<void> {
  const net = efficientNetB0({ numClasses: 10, inputSize: 224 });
  const x = tf.randomNormal([4, 224, 224, 3]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10));
  const optimizer = tf.train.momentum(0.01, 0.9);
  const step = createTrainStep({ model: net.model, optimizer, loss: 'softmaxCrossEntropy' });
  await step(x, y);
  const info = await tf.profile(async () => {
    await step(x, y);
  });
  const byKernel = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    total += k.kernelTimeMs as number;
  }
  console.log(`
B0 224 batch 4 training step: ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels`);
  for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${name.padEnd(38)} ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%`);
  }
  tf.dispose([x, y]);
  optimizer.dispose();
  net.dispose();
}

const torch = flag('no-torch') ? {} : runTorch();
const ours: Record<string, Timing & { heap: number }> = {};
for (const c of cases) ours[c.name] = await runOurs(c);

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `\nEfficientNet on wasm (${threads} threads) vs PyTorch ${torch.torch ?? '(not run)'} ` +
    `(torch.set_num_threads(${torchThreads})); median of ${repeats}, seconds`,
);
console.log(
  `${'case'.padEnd(44)} ${'ours wall'.padStart(9)} ${'ours cpu'.padStart(9)} ${'torch wall'.padStart(10)} ${'torch cpu'.padStart(9)}  ours/torch (wall, cpu)`,
);
for (const c of cases) {
  const o = ours[c.name]!;
  const t = torch[c.torchCase ?? c.name] as Timing | undefined;
  const ratio = t ? `${(o.wall / t.wall).toFixed(2)}x, ${(o.cpu / t.cpu).toFixed(2)}x` : '-';
  const extra =
    c.mode === 'infer'
      ? `  (${(c.batch / o.wall).toFixed(1)} img/s vs ${t ? (c.batch / t.wall).toFixed(1) : '-'} ` +
        `img/s: ${t ? (t.wall / o.wall).toFixed(2) : '-'}x PyTorch's throughput)`
      : '';
  console.log(
    `${c.name.padEnd(44)} ${o.wall.toFixed(3).padStart(9)} ${o.cpu.toFixed(3).padStart(9)} ` +
      `${(t?.wall.toFixed(3) ?? '-').padStart(10)} ${(t?.cpu.toFixed(3) ?? '-').padStart(9)}  ${ratio}${extra}`,
  );
}
console.log(
  `\ninference rows run createInferenceFunction: ${inferencePath}; "model.predict" rows run the layers model.`,
);
console.log(
  `wasm heap after each case (it never shrinks; ceiling 4096 MiB): ${cases.map((c) => `${c.name}: ${mib(ours[c.name]!.heap)}`).join('; ')}`,
);
if (torch.peakRssBytes) console.log(`PyTorch peak RSS over all cases: ${mib(torch.peakRssBytes)}`);
console.log(`process RSS now: ${mib(process.memoryUsage().rss)}`);
process.exit(0);
