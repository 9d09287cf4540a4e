/**
 * Inference throughput of the three runtimes side by side, in one run: @art-tfjs
 * (`createInferenceFunction` on wasm with @art/backend's kernels), @art-onnx
 * (`createOnnxInferenceFunction`, ONNX Runtime CPU) and PyTorch (torchvision, `/usr/bin/python3`,
 * when importable), on the same number of threads.
 *   npm run bench:runtimes -w @art/benchmarks -- [--rows b0:224,b3:300,v2-m:384] [--batches 1,8]
 *     [--threads 2] [--seconds 3] [--runtimes tfjs,onnx,pytorch] [--python /usr/bin/python3] [--tfjs-max-batch 4]
 *
 * Each row: one warm-up call, then calls until `--seconds` have passed (at least one); images/s
 * is images over the timed wall time. Weights are random (speed does not depend on them).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  createInferenceFunction,
  createOnnxInferenceFunction,
  efficientNet,
  normalizeVariantName,
} from '@art/efficientnet';
import { initBackend } from '@art/backend';

const RUNTIMES = ['tfjs', 'onnx', 'pytorch'] as const;
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: 'b0:224,b3:300,v2-m:384' },
    batches: { type: 'string', default: '1,8' },
    threads: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '3' },
    runtimes: { type: 'string', default: RUNTIMES.join(',') },
    python: { type: 'string', default: '/usr/bin/python3' },
    'tfjs-max-batch': { type: 'string', default: '4' },
  },
});
const fail = (message: string): never => {
  console.error(`bench:runtimes: ${message}`);
  process.exit(2);
};
const rows = values.rows!.split(',').map((row) => {
  const [name, size] = row.split(':');
  const variant = normalizeVariantName(name ?? '');
  if (!(Number(size) > 0)) fail(`--rows: "${row}" must be <variant>:<size>, e.g. b0:224`);
  return { variant, size: Number(size) };
});
const batches = values.batches!.split(',').map(Number);
if (!batches.every((b) => Number.isInteger(b) && b > 0))
  fail(`--batches must be positive integers; got ${values.batches}`);
const threads = Number(values.threads);
if (!(Number.isInteger(threads) && threads > 0)) fail(`--threads must be a positive integer; got ${values.threads}`);
const seconds = Number(values.seconds);
if (!(seconds > 0)) fail(`--seconds must be a positive number; got ${values.seconds}`);
const tfjsMaxBatch = Number(values['tfjs-max-batch']);
if (!(Number.isInteger(tfjsMaxBatch) && tfjsMaxBatch > 0))
  fail(`--tfjs-max-batch must be a positive integer; got ${values['tfjs-max-batch']}`);
const runtimes = values.runtimes!.split(',');
for (const runtime of runtimes)
  if (!(RUNTIMES as readonly string[]).includes(runtime))
    fail(`--runtimes: unknown "${runtime}"; expected any of ${RUNTIMES.join(', ')}`);

/** images/s of `run` on a batch: one warm-up, then calls for `seconds`. */
async function measure(batch: number, run: () => Promise<void>): Promise<number> {
  await run();
  let iterations = 0;
  const started = performance.now();
  while (iterations === 0 || performance.now() - started < seconds * 1000) {
    await run();
    iterations++;
  }
  return (batch * iterations) / ((performance.now() - started) / 1000);
}

const results = new Map<string, number>();
const key = (runtime: string, variant: string, size: number, batch: number) => `${runtime} ${variant} ${size} ${batch}`;
const notes: string[] = [];
let tfjsFailure: string | undefined;

// ONNX Runtime first, before the wasm backend starts its threads: in one process, TF.js's idle
// wasm worker threads halve ONNX Runtime's throughput on two cores (measured: B3 300 px batch 8,
// 15.9 img/s after TF.js against 30.7 img/s alone), which would be a measurement of the
// neighbour, not of ONNX Runtime. Each runtime gets the CPU to itself; PyTorch runs in its own process.
if (runtimes.includes('onnx')) {
  for (const { variant, size } of rows) {
    const net = efficientNet(variant, { initializer: 'torchvision' });
    for (const batch of batches) {
      const input = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const predict = await createOnnxInferenceFunction(net, { threads });
      results.set(
        key('onnx', variant, size, batch),
        await measure(batch, async () => {
          (await predict(input)).dispose();
        }),
      );
      if (notes.every((note) => !note.startsWith('@art-onnx')))
        notes.push(
          `@art-onnx: ${predict.description}, ${threads} intra-op threads (measured before TF.js starts its wasm threads)`,
        );
      await predict.dispose();
      input.dispose();
      console.error(`done onnx ${variant} ${size} px batch ${batch}`);
    }
    net.dispose();
  }
}
if (runtimes.includes('tfjs')) {
  const selection = await initBackend({ backend: 'wasm', threads });
  notes.push(
    `@art-tfjs: createInferenceFunction, ${selection.name} with ${threads} threads (@art/backend), ` +
      `batches over ${tfjsMaxBatch} run in chunks of ${tfjsMaxBatch}`,
  );
  for (const { variant, size } of rows) {
    const net = efficientNet(variant, { initializer: 'torchvision' });
    for (const batch of batches) {
      if (tfjsFailure !== undefined) break;
      const input = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      // tfjs-backend-wasm 4.22 aborts inside XNNPACK on V2-M at 384 px batch 8, so TF.js runs big batches in chunks.
      const predict = createInferenceFunction(net, { maxBatchSize: tfjsMaxBatch });
      try {
        results.set(
          key('tfjs', variant, size, batch),
          await measure(batch, async () => {
            const output = predict(input);
            await output.data();
            output.dispose();
          }),
        );
      } catch (error) {
        // tfjs-backend-wasm aborts inside XNNPACK on some large inputs; its module is unusable afterwards.
        tfjsFailure = `${variant} ${size} px batch ${batch}: ${(error as Error).message.split('\n')[0]}`;
        notes.push(`@art-tfjs failed at ${tfjsFailure}; later TF.js rows are not measured`);
      }
      predict.dispose();
      input.dispose();
      console.error(`done tfjs ${variant} ${size} px batch ${batch}`);
    }
    net.dispose();
  }
}

if (runtimes.includes('pytorch')) {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'pytorch_throughput.py');
  const child = spawnSync(
    values.python!,
    [
      script,
      '--rows',
      rows.map((r) => `${r.variant}:${r.size}`).join(','),
      '--batches',
      batches.join(','),
      '--threads',
      String(threads),
      '--seconds',
      String(seconds),
    ],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) {
    notes.push(
      `PyTorch not measured: ${values.python} failed (${(child.stderr || child.error?.message || '').trim().split('\n').at(-1)})`,
    );
  } else {
    const version = spawnSync(
      values.python!,
      ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'],
      { encoding: 'utf8' },
    ).stdout.trim();
    notes.push(`PyTorch: torch/torchvision ${version}, torch.set_num_threads(${threads}), inference_mode`);
    for (const line of child.stdout.trim().split('\n')) {
      const row = JSON.parse(line) as { variant: string; size: number; batch: number; images_per_second: number };
      results.set(key('pytorch', row.variant, row.size, row.batch), row.images_per_second);
    }
  }
}

const format = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(1));
console.log(
  `\n| model | batch | ${runtimes
    .map((r) => `@art-${r === 'pytorch' ? 'pytorch' : r} img/s`)
    .join(' | ')
    .replace('@art-pytorch', 'PyTorch')} | onnx / PyTorch |`,
);
console.log(`|---|---:|${runtimes.map(() => '---:').join('|')}|---:|`);
for (const { variant, size } of rows) {
  for (const batch of batches) {
    const onnx = results.get(key('onnx', variant, size, batch));
    const torch = results.get(key('pytorch', variant, size, batch));
    const ratio = onnx !== undefined && torch !== undefined ? `${(onnx / torch).toFixed(2)}x` : 'n/a';
    console.log(
      `| ${variant.toUpperCase()} @${size} | ${batch} | ${runtimes.map((r) => format(results.get(key(r, variant, size, batch)))).join(' | ')} | ${ratio} |`,
    );
  }
}
console.log(`\n${notes.join('\n')}`);
process.exit(0);
