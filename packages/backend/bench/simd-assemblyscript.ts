/**
 * `npm run bench:assemblyscript -w @art/backend -- [--repeats N] [--unshared]`: the hand-assembled
 * SIMD module (src/kernels/simd-module.ts) against the same functions written in AssemblyScript
 * (bench/assemblyscript/simd.ts, compiled here by asc -O3 with SIMD and imported memory, shared
 * unless --unshared). Both run on one memory with the same inputs (EfficientNet-B0 sizes, SiLU
 * inputs with NaN, infinities and overflowing exponents): the bench checks that each function
 * writes the same bytes, then reports the median process CPU time per call over N alternating
 * runs (CPU time: less disturbed than wall time by other jobs on a shared machine). This is the
 * measurement behind keeping the hand-assembled module (README, "Why the SIMD module is
 * assembled by hand").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simdModuleBytes, type SimdFunctions } from '../src/kernels/simd-module.js';

const argv = process.argv.slice(2);
const repeatsAt = argv.indexOf('--repeats');
const repeats = repeatsAt >= 0 ? Number(argv[repeatsAt + 1]) : 15;
const shared = !argv.includes('--unshared');

const source = fileURLToPath(new URL('./assemblyscript/simd.ts', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'art-simd-'));
const memoryFlags = [
  '--importMemory',
  '--noExportMemory',
  '--initialMemory',
  '0',
  '--maximumMemory',
  '65536',
  ...(shared ? ['--sharedMemory'] : []),
];
const flags = ['-O3', '--enable', 'simd,threads', '--runtime', 'stub', '--noAssert', '--use', 'abort=', ...memoryFlags];
// The asc command line (importing asc's API would bring its global AssemblyScript typings in).
const ascCommand = join(
  dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')),
  'bin',
  'asc.js',
);
const compiled = spawnSync(process.execPath, [ascCommand, source, ...flags, '--outFile', join(folder, 'simd.wasm')], {
  encoding: 'utf8',
});
if (compiled.status !== 0) throw new Error(`asc failed on ${source}:\n${compiled.stderr}`);
const assemblyScriptBytes = readFileSync(join(folder, 'simd.wasm'));
rmSync(folder, { recursive: true });

// The project's TypeScript libs do not declare the WebAssembly API (as in simd-module.ts).
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
const memory = new wasm.Memory({ initial: 8192, maximum: 65536, shared });
const instantiate = (bytes: Uint8Array) =>
  new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports as unknown as SimdFunctions;
const modules: [string, SimdFunctions][] = [
  ['hand', instantiate(simdModuleBytes(shared))],
  ['asc', instantiate(assemblyScriptBytes)],
];

const heap = new Uint8Array(memory.buffer);
const floats = new Float32Array(memory.buffer);
let state = 20261205;
const random = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return (state / 2 ** 32) * 2 - 1;
};
let top = 64;
/** `count` random floats times `scale`, 4-byte aligned only (as tensors on the heap are). */
const floatsAt = (count: number, scale = 1): number => {
  const at = top;
  for (let i = 0; i < count; i++) floats[at / 4 + i] = random() * scale;
  top += 4 * count + 68;
  top -= top % 16;
  top += 4;
  return at;
};
/** Float64 sums (8-byte aligned), zeroed before each run. */
const sumsAt = (count: number): { at: number; bytes: number; reset: () => void } => {
  const at = floatsAt(2 * count + 2) + 4;
  return { at, bytes: 8 * count, reset: () => new Float64Array(memory.buffer, at, count).fill(0) };
};

interface Case {
  name: string;
  out: number;
  bytes: number;
  reset?: () => void;
  run(functions: SimdFunctions): void;
}
const cases: Case[] = [];
const elements = 4 * 56 * 56 * 144;
const x = floatsAt(elements, 12);
[Number.NaN, Infinity, -Infinity, -100, 100, 0, -0, 1e-30, -87.5, 88.5, -88.5, 89, 20, -20].forEach(
  (value, i) => (floats[x / 4 + i] = value),
);
const dy = floatsAt(elements);
const out = floatsAt(elements);
cases.push({ name: 'silu [4,56,56,144]', out, bytes: 4 * elements, run: (f) => f.silu(x, out, elements) });
cases.push({ name: 'siluGrad [4,56,56,144]', out, bytes: 4 * elements, run: (f) => f.siluGrad(x, dy, out, elements) });
cases.push({ name: 'silu, 37 vectors (remainder loop)', out, bytes: 4 * 148, run: (f) => f.silu(x, out, 148) });
const [batch, positions, channels] = [4, 56 * 56, 144];
const rows = batch * positions;
const gate = floatsAt(batch * channels);
const parameters = floatsAt(4 * channels);
cases.push({
  name: 'scaleChannels [4,56,56,144]',
  out,
  bytes: 4 * elements,
  run: (f) => f.scaleChannels(x, gate, out, batch, positions, channels),
});
cases.push({
  name: 'normalizeChannels [12544,144]',
  out,
  bytes: 4 * elements,
  run: (f) => f.normalizeChannels(x, parameters, out, rows, channels),
});
cases.push({
  name: 'batchNormBackward [12544,144]',
  out,
  bytes: 4 * elements,
  run: (f) => f.batchNormBackward(dy, x, parameters, out, rows, channels),
});
const sums = sumsAt(2 * channels);
cases.push({
  name: 'columnSums [12544,144]',
  out: sums.at,
  bytes: 8 * channels,
  reset: sums.reset,
  run: (f) => f.columnSums(x, sums.at, rows, channels),
});
cases.push({
  name: 'columnSums [100,8] (a partial row block)',
  out: sums.at,
  bytes: 64,
  reset: sums.reset,
  run: (f) => f.columnSums(x, sums.at, 100, 8),
});
cases.push({
  name: 'centeredSquareSums [12544,144]',
  out: sums.at,
  bytes: 8 * channels,
  reset: sums.reset,
  run: (f) => f.centeredSquareSums(x, parameters, sums.at, rows, channels),
});
cases.push({
  name: 'batchNormGradientSums [12544,144]',
  out: sums.at,
  bytes: 16 * channels,
  reset: sums.reset,
  run: (f) => f.batchNormGradientSums(dy, x, parameters, sums.at, rows, channels),
});
// The depthwise filter gradient of x [4,113,113,96], 3x3 stride 2 at one filter offset: a row call per output row.
const depthwise = 96;
const xRows = floatsAt(4 * 113 * 113 * depthwise);
const dyRows = floatsAt(4 * 56 * 56 * depthwise);
const filterSums = sumsAt(depthwise);
cases.push({
  name: 'depthwiseFilterRow, 4 x 56 rows of [56,96]',
  out: filterSums.at,
  bytes: 8 * depthwise,
  reset: filterSums.reset,
  run: (f) => {
    for (let n = 0; n < 4; n++) {
      for (let oh = 0; oh < 56; oh++)
        f.depthwiseFilterRow(
          xRows + 4 * (n * 113 + 2 * oh) * 113 * depthwise,
          dyRows + 4 * (n * 56 + oh) * 56 * depthwise,
          filterSums.at,
          56,
          8 * depthwise,
          depthwise,
        );
    }
  },
});
// Transposes of B0's largest gradient operand, [4·112·112, 96], and of a small one.
for (const [matrixRows, matrixColumns] of [
  [50176, 96],
  [12544, 96],
] as const) {
  const matrix = floatsAt(matrixRows * matrixColumns);
  const transposed = floatsAt(matrixRows * matrixColumns);
  const bytes = 4 * matrixRows * matrixColumns;
  cases.push({
    name: `transpose16 [${matrixRows},${matrixColumns}]`,
    out: transposed,
    bytes,
    run: (f) => f.transpose16(matrix, transposed, matrixRows, matrixColumns, matrixRows),
  });
  cases.push({
    name: `transpose4 [${matrixRows},${matrixColumns}]`,
    out: transposed,
    bytes,
    run: (f) => f.transpose4(matrix, transposed, matrixRows, matrixColumns, matrixRows),
  });
}
cases.push({ name: 'transpose4 [12,8]', out, bytes: 4 * 12 * 8, run: (f) => f.transpose4(x, out, 12, 8, 12) });

const median = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1]!;
console.log(`${shared ? 'shared' : 'unshared'} memory; process CPU ms per call, median of ${repeats} alternating runs`);
console.log(`${'function'.padEnd(44)} ${'output'.padEnd(10)} ${'hand'.padStart(8)} ${'asc'.padStart(8)}  asc / hand`);
let different = 0;
for (const c of cases) {
  const outputs = modules.map(([, functions]) => {
    c.reset?.();
    heap.fill(0xa5, c.out, c.out + c.bytes);
    c.run(functions);
    return Buffer.from(heap.slice(c.out, c.out + c.bytes));
  });
  const same = outputs[0]!.equals(outputs[1]!);
  if (!same) different++;
  const times = modules.map((): number[] => []);
  for (let i = 0; i < repeats; i++) {
    modules.forEach(([, functions], index) => {
      c.reset?.();
      const start = process.cpuUsage();
      c.run(functions);
      const used = process.cpuUsage(start);
      times[index]!.push((used.user + used.system) / 1000);
    });
  }
  const [hand, assemblyScript] = times.map(median) as [number, number];
  console.log(
    `${c.name.padEnd(44)} ${(same ? 'same' : 'DIFFERENT').padEnd(10)} ${hand.toFixed(3).padStart(8)} ${assemblyScript.toFixed(3).padStart(8)} ` +
      ` ${(assemblyScript / hand).toFixed(2)}x`,
  );
}
console.log(
  different === 0
    ? 'every function wrote the same bytes in both builds'
    : `${different} functions wrote different bytes`,
);
process.exit(different === 0 ? 0 : 1);
