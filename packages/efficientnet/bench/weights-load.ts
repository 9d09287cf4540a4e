/**
 * Weights-loading benchmark: a B3-sized torchvision state dict (~49 MB) as `.pth` (torch.save)
 * and as `.safetensors`, each read and loaded into `efficientNetB3` in a fresh Node process
 * (cpu backend), so peak memory is that format's alone.
 *   npm run bench -w @art/efficientnet -- [--pth FILE --safetensors FILE] [--repeat 3]
 *
 * Without files, Debian's torch writes a random torchvision B3 pair into a temporary folder
 * (scripts/make-pth-fixtures.py --b3). Per process: time to read the file, to parse it (pickle /
 * header, storages decoded to float32), to load into the model, and max RSS and peak JS heap;
 * the RSS of the same process before reading (TF.js and the built B3) is printed as a baseline.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    pth: { type: 'string' },
    safetensors: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    child: { type: 'string' },
  },
});

interface Measurement {
  format: string;
  readMs: number;
  parseMs: number;
  loadMs: number;
  baselineRssMiB: number;
  maxRssMiB: number;
  peakHeapMiB: number;
}

if (values.child) {
  // One measurement in this process.
  const tf = await import('@tensorflow/tfjs');
  const { efficientNetB3, loadTorchvisionWeights, readWeights } = await import('../src/index.js');
  await tf.setBackend('cpu');
  const net = efficientNetB3({ initializer: 'zeros' });
  const mib = (bytes: number) => bytes / (1 << 20);
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const baseline = process.memoryUsage().rss;
  const t0 = performance.now();
  const buffer = readFileSync(values.child);
  const t1 = performance.now();
  sample();
  const contents = readWeights(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), {
    source: values.child,
  });
  const t2 = performance.now();
  sample();
  loadTorchvisionWeights(net, contents); // strict: throws unless every key and shape fits
  const t3 = performance.now();
  sample();
  const result: Measurement = {
    format: contents.format,
    readMs: t1 - t0,
    parseMs: t2 - t1,
    loadMs: t3 - t2,
    baselineRssMiB: mib(baseline),
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    peakHeapMiB: mib(peakHeap),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

let directory: string | null = null;
let pth = values.pth;
let safetensors = values.safetensors;
if (!pth || !safetensors) {
  directory = mkdtempSync(join(tmpdir(), 'art-weights-bench-'));
  execFileSync('/usr/bin/python3', [resolve(here, '../scripts/make-pth-fixtures.py'), '--b3', directory], {
    stdio: 'inherit',
  });
  pth = join(directory, 'efficientnet_b3.pth');
  safetensors = join(directory, 'efficientnet_b3.safetensors');
}
const repeat = Number(values.repeat);
const rows: Measurement[] = [];
try {
  for (let i = 0; i < repeat; i += 1) {
    for (const file of [pth, safetensors]) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file], {
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`measuring ${file} failed:\n${run.stderr}`);
      rows.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Measurement);
    }
  }
} finally {
  if (directory) rmSync(directory, { recursive: true, force: true });
}
const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!;
console.log(
  `\nB3 state dict, median of ${repeat} fresh processes each (cpu backend, Node ${process.versions.node}):\n`,
);
console.log(
  '| format | read file | parse | load into B3 | read+parse+load | max RSS (baseline before reading) | peak JS heap |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const format of ['pth', 'safetensors']) {
  const mine = rows.filter((row) => row.format === format);
  const pick = (key: keyof Measurement) => median(mine.map((row) => row[key] as number));
  const total = median(mine.map((row) => row.readMs + row.parseMs + row.loadMs));
  console.log(
    `| ${format} | ${pick('readMs').toFixed(0)} ms | ${pick('parseMs').toFixed(0)} ms ` +
      `| ${pick('loadMs').toFixed(0)} ms | ${total.toFixed(0)} ms | ${pick('maxRssMiB').toFixed(0)} MiB ` +
      `(${pick('baselineRssMiB').toFixed(0)}) | ${pick('peakHeapMiB').toFixed(0)} MiB |`,
  );
}
