import { stringify } from 'csv-stringify/sync';
import { join } from 'node:path';
import { writeFileAtomic } from '../io.js';

/** One row of the training history (one epoch). */
export interface EpochRecord {
  epoch: number;
  /** Global optimizer steps done at the end of the epoch. */
  step: number;
  learningRate: number;
  trainLoss: number;
  trainAccuracy: number;
  validLoss: number | null;
  validAccuracy: number | null;
  validMacroF1: number | null;
  /** Wall-clock seconds of the epoch (informational; not part of the reproducible state). */
  seconds: number;
}

export const HISTORY_COLUMNS: readonly (keyof EpochRecord)[] = [
  'epoch',
  'step',
  'learningRate',
  'trainLoss',
  'trainAccuracy',
  'validLoss',
  'validAccuracy',
  'validMacroF1',
  'seconds',
];

/**
 * Writes `history.csv` and `history.jsonl` in `outDir` from the whole history (rewritten,
 * atomically, so a resumed run never duplicates the epochs it replays).
 * @example
 * await writeHistory('runs/b3', result.history);
 */
export async function writeHistory(outDir: string, history: readonly EpochRecord[]): Promise<void> {
  const rows = history.map((record) => HISTORY_COLUMNS.map((c) => (record[c] === null ? '' : record[c])));
  await writeFileAtomic(join(outDir, 'history.csv'), stringify([HISTORY_COLUMNS as string[], ...rows]));
  await writeFileAtomic(
    join(outDir, 'history.jsonl'),
    history.map((r) => JSON.stringify(r)).join('\n') + (history.length ? '\n' : ''),
  );
}
