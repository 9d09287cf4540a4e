import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/node/cli.ts' },
  format: ['esm'],
  // declarations (with maps): scripts/build-declarations.mjs, run after tsup by `npm run build`
  sourcemap: true,
  clean: true,
  target: 'node20',
  // package.json's `sideEffects` describes dist/ for users' bundlers; esbuild would apply it to
  // src/ too and drop side-effect imports (the layer registration, the Node weights provider).
  esbuildOptions(options) {
    options.ignoreAnnotations = true;
  },
});
