import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSyntheticDataset } from '@art/competition';

/** The examples folder (this file is examples/lib/data.ts), so paths work from any cwd. */
export const examplesRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Synthetic sets the examples generate on first use (examples/.data is git-ignored). */
export const syntheticPresets = {
  /** The default: 10 artists, 30 paintings each for train, 10 test crops each, ~160 px. */
  default: { dir: 'synthetic', numArtists: 10, trainPerArtist: 30, testPerArtist: 10, imageSize: 160, seed: 0 },
  /** `--smoke`: 4 artists, 6 + 2 paintings each, ~64 px: seconds end to end. */
  smoke: { dir: 'synthetic-smoke', numArtists: 4, trainPerArtist: 6, testPerArtist: 2, imageSize: 64, seed: 0 },
} as const;

/**
 * The dataset root to train on: `--data DIR` when given (checked to exist), otherwise the
 * synthetic preset, generated into examples/.data on first use and reused afterwards.
 *
 * @example const { root, answers } = await resolveDataRoot(undefined, false);
 */
export async function resolveDataRoot(data: string | undefined, smoke: boolean): Promise<{ root: string; answers: string | undefined; synthetic: boolean }> {
  let root: string;
  let synthetic = false;
  if (data !== undefined) {
    root = resolve(data);
    if (!existsSync(join(root, 'train.csv'))) {
      throw new Error(`--data: "${root}" has no train.csv; expected a competition layout (train.csv, test.csv, sample_submission.csv)`);
    }
  } else {
    const { dir, ...preset } = smoke ? syntheticPresets.smoke : syntheticPresets.default;
    const started = performance.now();
    const result = await ensureSyntheticDataset({ outDir: join(examplesRoot, '.data', dir), ...preset });
    root = result.root;
    synthetic = true;
    if (result.generated) console.log(`Generated the synthetic dataset in ${root} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  // Answers (id,artist) let the example score its own submission: the synthetic set ships one.
  const answers = ['test_answers.csv', 'answers.csv'].map((name) => join(root, name)).find((file) => existsSync(file));
  return { root, answers, synthetic };
}
