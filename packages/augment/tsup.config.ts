import { defineConfig } from 'tsup';

export default defineConfig({
  // index: pure transforms (no native module); io: sharp codecs; pool: worker threads
  // (pool-worker is the thread entry the pool starts from dist).
  entry: {
    index: 'src/index.ts',
    io: 'src/io/index.ts',
    pool: 'src/pool/index.ts',
    'pool-worker': 'src/pool/worker.ts',
  },
  format: ['esm'],
  // declarations (with maps): scripts/build-declarations.mjs, run after tsup by `npm run build`
  sourcemap: true,
  clean: true,
  target: 'node20',
});
