import * as tf from '@tensorflow/tfjs';
import type { PyramidClassifier } from '@art/pyramid-pooling';
import { readFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { parseCsvText } from '../dataset/csv.js';
import { writeFileAtomic } from '../io.js';
import type { BatchSource } from '../data/array-loader.js';
import { scoreRows, writeSubmission, type SubmissionRow, type SubmissionScore } from '../submission/index.js';
import { readCsvFile } from '../dataset/csv.js';

/** Test-time augmentation modes: none, horizontal flip, or all four flips. */
export const TTA_MODES = ['none', 'hflip', 'flips'] as const;
export type TtaMode = (typeof TTA_MODES)[number];

/**
 * Anything that maps a batch of images to fused class probabilities, such as
 * @art/pyramid-pooling's `PyramidClassifier` (`predict(images) → { fused }`).
 */
export interface ProbabilityPredictor {
  predict(
    images: tf.Tensor4D,
    options?: { maxCropsInMemory?: number },
  ): { fused: number[][] | tf.Tensor2D } | Promise<{ fused: number[][] | tf.Tensor2D }>;
}

async function probabilitiesOf(fused: number[][] | tf.Tensor2D, n: number): Promise<Float32Array> {
  if (fused instanceof tf.Tensor) {
    const values = (await fused.data()) as Float32Array;
    fused.dispose();
    return values;
  }
  if (!Array.isArray(fused) || fused.length !== n) throw new RangeError(`predictProbabilities: the pyramid returned ${Array.isArray(fused) ? fused.length : 'no'} rows for a batch of ${n}`);
  return Float32Array.from(fused.flat());
}

/** Options of {@link predictProbabilities}. */
export interface PredictOptions {
  /** Flip TTA (softmax averaged over the flipped copies). Default 'none'. */
  tta?: TtaMode;
  /** Predict through a pyramid classifier (@art/pyramid-pooling) instead of `model` directly: its `fused` output. */
  pyramid?: PyramidClassifier | ProbabilityPredictor;
  /** Forwarded to the pyramid classifier. */
  maxCropsInMemory?: number;
  /** Epoch passed to the loader (default 0). */
  epoch?: number;
}

function flipsFor(mode: TtaMode): ((x: tf.Tensor4D) => tf.Tensor4D)[] {
  const identity = (x: tf.Tensor4D): tf.Tensor4D => x;
  const h = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, 2);
  const v = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, 1);
  const hv = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, [1, 2]);
  if (mode === 'none') return [identity];
  if (mode === 'hflip') return [identity, h];
  if (mode === 'flips') return [identity, h, v, hv];
  throw new RangeError(`predictProbabilities: unknown tta ${JSON.stringify(mode)}; expected one of ${TTA_MODES.join(', ')}`);
}

/**
 * Softmax probabilities of every sample of a loader (rows in dataset-index order), with
 * optional flip TTA and optional pyramid pooling. No tensor is left behind.
 *
 * @returns `Float32Array` of `size × numClasses`
 * @example
 * const probabilities = await predictProbabilities(model, testLoader, { tta: 'hflip' });
 */
export async function predictProbabilities(model: tf.LayersModel | null, loader: BatchSource, options: PredictOptions = {}): Promise<Float32Array> {
  const { tta = 'none', pyramid, maxCropsInMemory, epoch = 0 } = options;
  const flips = flipsFor(tta);
  if (!model && !pyramid) throw new TypeError('predictProbabilities: pass a model or options.pyramid');
  const rows: { index: number; values: Float32Array }[] = [];
  let numClasses = 0;
  for await (const batch of loader.batches(epoch)) {
    try {
      const n = batch.indices.length;
      let sum: Float64Array | null = null;
      for (const flip of flips) {
        let values: ArrayLike<number>;
        if (pyramid) {
          const flipped = tf.tidy(() => flip(batch.x));
          try {
            const result = await pyramid.predict(flipped, maxCropsInMemory !== undefined ? { maxCropsInMemory } : undefined);
            values = await probabilitiesOf(result.fused, n);
            for (const value of Object.values(result)) if (value instanceof tf.Tensor) value.dispose();
          } finally {
            if (flipped !== batch.x) flipped.dispose();
          }
        } else {
          const probabilities = tf.tidy(() => tf.softmax(model!.predict(flip(batch.x)) as tf.Tensor2D));
          values = await probabilities.data();
          probabilities.dispose();
        }
        if (values.length % n !== 0) throw new RangeError(`predictProbabilities: ${values.length} probabilities for a batch of ${n}`);
        numClasses = values.length / n;
        sum ??= new Float64Array(values.length);
        for (let i = 0; i < values.length; i++) sum[i]! += values[i]!;
      }
      batch.indices.forEach((index, k) =>
        rows.push({ index, values: Float32Array.from(sum!.subarray(k * numClasses, (k + 1) * numClasses), (v) => v / flips.length) }),
      );
    } finally {
      batch.x.dispose();
    }
  }
  rows.sort((a, b) => a.index - b.index);
  const out = new Float32Array(rows.length * numClasses);
  rows.forEach((r, i) => out.set(r.values, i * numClasses));
  return out;
}

/** Probabilities of a set of samples: `probabilities[i * classes.length + c]` for `ids[i]`. */
export interface ProbabilityTable {
  ids: readonly string[];
  classes: readonly string[];
  probabilities: Float32Array;
}

function checkTable(table: ProbabilityTable, caller: string): void {
  const { ids, classes, probabilities } = table;
  if (!Array.isArray(ids) || !Array.isArray(classes)) throw new TypeError(`${caller}: ids and classes must be arrays`);
  if (probabilities.length !== ids.length * classes.length) {
    throw new RangeError(`${caller}: ${probabilities.length} probabilities for ${ids.length} ids × ${classes.length} classes`);
  }
}

/**
 * Saves probabilities as CSV (`id,<class 1>,<class 2>,...`; full float32 precision) or, for
 * a `.json` path, as `{ ids, classes, probabilities }`. Atomic.
 * @example
 * await saveProbabilities('runs/fold0/test-probabilities.csv', { ids, classes, probabilities });
 */
export async function saveProbabilities(file: string, table: ProbabilityTable): Promise<void> {
  checkTable(table, 'saveProbabilities');
  const { ids, classes, probabilities } = table;
  if (file.endsWith('.json')) {
    await writeFileAtomic(file, JSON.stringify({ format: 'art-probabilities', version: 1, ids, classes, probabilities: Array.from(probabilities) }));
    return;
  }
  const rows = ids.map((id, i) => [id, ...Array.from(probabilities.subarray(i * classes.length, (i + 1) * classes.length), (v) => String(v))]);
  await writeFileAtomic(file, stringify([['id', ...classes], ...rows]));
}

/**
 * Reads a file written by {@link saveProbabilities}.
 * @example
 * const table = await loadProbabilities('runs/fold0/test-probabilities.csv');
 */
export async function loadProbabilities(file: string): Promise<ProbabilityTable> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new Error(`Cannot read probabilities ${JSON.stringify(file)}: ${error.message}`, { cause: error });
  });
  if (file.endsWith('.json')) {
    const json = JSON.parse(text) as { ids: string[]; classes: string[]; probabilities: number[] };
    const table = { ids: json.ids, classes: json.classes, probabilities: Float32Array.from(json.probabilities) };
    checkTable(table, `loadProbabilities(${file})`);
    return table;
  }
  const records = parseCsvText(text, file, ['id']);
  const header = text.slice(0, text.indexOf('\n')).trim();
  const classes = records.length > 0 ? Object.keys(records[0]!).filter((k) => k !== 'id') : header.split(',').slice(1);
  const probabilities = new Float32Array(records.length * classes.length);
  records.forEach((record, i) =>
    classes.forEach((c, j) => {
      const value = Number(record[c]);
      if (!Number.isFinite(value)) throw new RangeError(`${file}: row ${i + 2} column ${JSON.stringify(c)} is not a number: ${JSON.stringify(record[c])}`);
      probabilities[i * classes.length + j] = value;
    }),
  );
  return { ids: records.map((r) => r.id!), classes, probabilities };
}

/**
 * Soft-vote ensemble: the mean of several probability tables (e.g. one per fold). Ids may
 * come in any order (rows are matched by id, output follows the first table); the sets of
 * ids and classes must be equal.
 *
 * @example
 * const mean = ensembleProbabilities(await Promise.all(files.map(loadProbabilities)));
 */
export function ensembleProbabilities(tables: readonly ProbabilityTable[]): ProbabilityTable {
  if (tables.length === 0) throw new RangeError('ensembleProbabilities: no tables given');
  tables.forEach((t, k) => checkTable(t, `ensembleProbabilities(table ${k})`));
  const first = tables[0]!;
  const numClasses = first.classes.length;
  const sum = new Float64Array(first.probabilities.length);
  tables.forEach((table, k) => {
    if (table.classes.length !== numClasses || table.classes.some((c, j) => c !== first.classes[j])) {
      throw new Error(`ensembleProbabilities: table ${k} has classes [${table.classes.join(', ')}] but table 0 has [${first.classes.join(', ')}]`);
    }
    const rowOf = new Map(table.ids.map((id, i) => [id, i]));
    if (rowOf.size !== table.ids.length) throw new Error(`ensembleProbabilities: table ${k} has duplicate ids`);
    if (table.ids.length !== first.ids.length) throw new Error(`ensembleProbabilities: table ${k} has ${table.ids.length} ids, table 0 has ${first.ids.length}`);
    first.ids.forEach((id, i) => {
      const row = rowOf.get(id);
      if (row === undefined) throw new Error(`ensembleProbabilities: id ${JSON.stringify(id)} of table 0 is missing from table ${k}`);
      for (let c = 0; c < numClasses; c++) sum[i * numClasses + c]! += table.probabilities[row * numClasses + c]!;
    });
  });
  return { ids: [...first.ids], classes: [...first.classes], probabilities: Float32Array.from(sum, (v) => v / tables.length) };
}

/**
 * Arg-max labels of a probability table.
 * @example
 * const labels = argmaxLabels({ ids, classes, probabilities });
 */
export function argmaxLabels(table: ProbabilityTable): string[] {
  const k = table.classes.length;
  return table.ids.map((_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (table.probabilities[i * k + c]! > table.probabilities[i * k + best]!) best = c;
    return table.classes[best]!;
  });
}

/**
 * The separate `ensemble` step of k-fold jobs: reads each fold's test probabilities, averages
 * them and writes the submission in `sampleSubmission` order (atomically; refuses an
 * incomplete one). Optionally writes the averaged probabilities too.
 *
 * @example
 * await ensembleFiles({ inputs: ['f0/test-probabilities.csv', 'f1/test-probabilities.csv'],
 *   sampleSubmission: 'data/sample_submission.csv', out: 'submission.csv' });
 */
export async function ensembleFiles(options: {
  inputs: readonly string[];
  sampleSubmission: string | readonly SubmissionRow[] | readonly string[];
  out: string;
  probabilitiesOut?: string;
}): Promise<ProbabilityTable> {
  const tables = await Promise.all(options.inputs.map((file) => loadProbabilities(file)));
  const mean = ensembleProbabilities(tables);
  if (options.probabilitiesOut) await saveProbabilities(options.probabilitiesOut, mean);
  await writeSubmission(options.out, { ids: mean.ids, labels: argmaxLabels(mean) }, { sampleSubmission: options.sampleSubmission });
  return mean;
}

/**
 * Out-of-fold score of a k-fold run: concatenates each fold's validation probabilities
 * (`fold-<i>/valid-probabilities.csv`, ids are train ids), takes the arg-max and computes
 * Macro F1 against the labels of `train.csv`. Every train id must appear exactly once over
 * the files when `complete` is true (default), i.e. all folds are present.
 *
 * @example
 * const { macroF1 } = await scoreOutOfFold({ inputs: files, trainCsv: 'data/train.csv' });
 */
export async function scoreOutOfFold(options: { inputs: readonly string[]; trainCsv: string; complete?: boolean }): Promise<SubmissionScore> {
  const { inputs, trainCsv, complete = true } = options;
  if (inputs.length === 0) throw new RangeError('scoreOutOfFold: no probability files given');
  const tables = await Promise.all(inputs.map((file) => loadProbabilities(file)));
  const predicted: SubmissionRow[] = tables.flatMap((table) => {
    const labels = argmaxLabels(table);
    return table.ids.map((id, i) => ({ id, artist: labels[i]! }));
  });
  const train = (await readCsvFile(trainCsv, ['id', 'artist'])).map((row) => ({ id: row.id!, artist: row.artist! }));
  const seen = new Set(predicted.map((r) => r.id));
  const answers = complete ? train : train.filter((r) => seen.has(r.id));
  return scoreRows(predicted, answers, 'out-of-fold predictions', trainCsv);
}
