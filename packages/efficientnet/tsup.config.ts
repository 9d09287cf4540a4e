import { packageBuild } from '../../tsup.shared';

export default packageBuild(
  { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/node/cli.ts' },
  {
    // package.json's `sideEffects` describes dist/ for users' bundlers; esbuild would apply it to
    // src/ too and drop side-effect imports (the layer registration, the Node weights provider).
    esbuildOptions(options) {
      options.ignoreAnnotations = true;
    },
  },
);
