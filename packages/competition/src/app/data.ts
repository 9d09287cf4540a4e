import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureSyntheticDataset, syntheticManifestName } from '../synthetic/index.js';

/** Synthetic sets `art train` generates on first use when no `--data` is given. */
export const SYNTHETIC_PRESETS = {
  /** The default: 10 artists, 30 paintings each for train, 10 test crops each, ~160 px. */
  default: { dir: 'synthetic', numArtists: 10, trainPerArtist: 30, testPerArtist: 10, imageSize: 160, seed: 0 },
  /** `--smoke`: 4 artists, 6 + 2 paintings each, ~64 px: seconds end to end. */
  smoke: { dir: 'synthetic-smoke', numArtists: 4, trainPerArtist: 6, testPerArtist: 2, imageSize: 64, seed: 0 },
} as const;

/**
 * Where generated data sets live: `$ART_DATA_DIR`, else `$XDG_CACHE_HOME/art`, else `~/.cache/art`.
 * @example defaultDataDir({ ART_DATA_DIR: '/scratch/art' }); // '/scratch/art'
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ART_DATA_DIR) return resolve(env.ART_DATA_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'art');
}

/**
 * The dataset root to train on: `--data DIR` when given (checked to hold a train.csv), otherwise
 * the synthetic preset, generated into `dataDir` on first use and reused afterwards. Generation
 * writes into a private folder renamed into place, so concurrent fold jobs never write the same
 * file. `answers` is the answers file (id,artist) next to the data when there is one.
 *
 * @example const { root, answers } = await resolveDataRoot(undefined, { smoke: true });
 */
export async function resolveDataRoot(
  data: string | undefined,
  options: { smoke?: boolean; dataDir?: string; log?: (line: string) => void } = {},
): Promise<{ root: string; answers: string | undefined; synthetic: boolean }> {
  let root: string;
  let synthetic = false;
  if (data !== undefined) {
    root = resolve(data);
    if (!existsSync(join(root, 'train.csv'))) {
      throw new RangeError(
        `--data: "${root}" has no train.csv; expected a competition layout (train.csv, test.csv, sample_submission.csv)`,
      );
    }
  } else {
    const { dir, ...preset } = options.smoke ? SYNTHETIC_PRESETS.smoke : SYNTHETIC_PRESETS.default;
    root = join(options.dataDir ?? defaultDataDir(), dir);
    synthetic = true;
    if (existsSync(join(root, syntheticManifestName))) {
      await ensureSyntheticDataset({ outDir: root, ...preset }); // checks the manifest; regenerates a stale set
    } else {
      const started = performance.now();
      const staging = `${root}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      await ensureSyntheticDataset({ outDir: staging, ...preset });
      try {
        await rename(staging, root);
        options.log?.(
          `Generated the synthetic dataset in ${root} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      } catch (error) {
        // Another job renamed its copy first: use that one.
        await rm(staging, { recursive: true, force: true });
        if (!existsSync(join(root, syntheticManifestName))) throw error;
      }
    }
  }
  // Answers (id,artist) let a run score its own submission: the synthetic set ships one.
  const answers = ['test_answers.csv', 'answers.csv'].map((name) => join(root, name)).find((file) => existsSync(file));
  return { root, answers, synthetic };
}
