import type { Options } from 'tsup';

/**
 * tsup config for one package: ESM for Node 20 with declarations and source maps, the same in
 * every package; `entry` names the dist files, `options` adds or overrides what one package needs.
 *
 * @example
 * export default packageBuild({ index: 'src/index.ts', cli: 'src/cli.ts' });
 */
export function packageBuild(entry: Record<string, string>, options: Options = {}): Options {
  return { entry, format: ['esm'], dts: true, sourcemap: true, clean: true, target: 'node20', ...options };
}
