import type { Options } from 'tsup';

/**
 * tsup config for one package: ESM for Node 20 with source maps, the same in every package;
 * `entry` names the dist files, `options` adds or overrides what one package needs. Declarations
 * (with maps, one per source file) come from scripts/build-declarations.mjs, which each package's
 * `npm run build` runs after tsup (tsup's own `dts` writes no maps).
 *
 * @example
 * export default packageBuild({ index: 'src/index.ts', cli: 'src/cli.ts' });
 */
export function packageBuild(entry: Record<string, string>, options: Options = {}): Options {
  return { entry, format: ['esm'], sourcemap: true, clean: true, target: 'node20', ...options };
}
