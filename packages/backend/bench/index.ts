/**
 * `npm run bench -w @art/backend -- [--repeats N]`: before/after timings of each kernel this
 * package registers (bench/kernels.ts), on the wasm backend with one thread. EfficientNet training and
 * inference against PyTorch, which need @art/efficientnet, are in the benchmarks workspace:
 * `npm run bench:wasm -w @art/benchmarks`.
 */
import { initBackend } from '../src/index.js';
import { benchmarkKernels } from './kernels.js';

const repeatsAt = process.argv.indexOf('--repeats');
await initBackend({ backend: 'wasm', threads: 1 });
benchmarkKernels(repeatsAt >= 0 ? Number(process.argv[repeatsAt + 1]) : 5);
// wasm pthread workers keep Node's event loop alive.
process.exit(0);
