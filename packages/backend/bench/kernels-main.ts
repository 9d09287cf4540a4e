import { initBackend } from '../src/index.js';
import { benchmarkKernels } from './kernels.js';
await initBackend({ backend: 'wasm', threads: 1 });
benchmarkKernels(Number(process.argv[2] ?? 5));
process.exit(0);
