import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  // declarations (with maps): scripts/build-declarations.mjs, run after tsup by `npm run build`
  sourcemap: true,
  clean: true,
  target: 'node20',
});
