import { packageBuild } from '../../tsup.shared';

export default packageBuild(
  { index: 'src/index.ts', cli: 'src/cli.ts' },
  {
    // tsup's d.ts build sets baseUrl to this folder, which re-roots tsconfig.base.json's `paths`;
    // point it back at the workspace root so @art/* types resolve from sources in any build order
    // (they stay external imports in the emitted d.ts).
    dts: { entry: { index: 'src/index.ts' }, compilerOptions: { baseUrl: '../..' } },
  },
);
