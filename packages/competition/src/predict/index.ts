import * as tf from '@tensorflow/tfjs';
import { argmax } from '@art/metrics';
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
  if (!Array.isArray(fused) || fused.length !== n)
    throw new RangeError(
      `predictProbabilities: the pyramid returned ${Array.isArray(fused) ? fused.length : 'no'} rows for a batch of ${n}`,
    );
  return Float32Array.from(fused.flat());
}

/**
 * Maps a batch `[N, H, W, 3]` to logits (or features) `[N, K]`: a TF.js model, or a function
 * such as `createInferenceFunction(net)` (TF.js) or `createOnnxInferenceFunction(net)` (ONNX
 * Runtime, asynchronous) of @art/efficientnet. The returned tensor is the caller's.
 */
export type Predictor = tf.LayersModel | ((images: tf.Tensor4D) => tf.Tensor | Promise<tf.Tensor>);

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

function flipsFor(mode: TtaMode, caller: string): ((x: tf.Tensor4D) => tf.Tensor4D)[] {
  const identity = (x: tf.Tensor4D): tf.Tensor4D => x;
  const h = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, 2);
  const v = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, 1);
  const hv = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, [1, 2]);
  if (mode === 'none') return [identity];
  if (mode === 'hflip') return [identity, h];
  if (mode === 'flips') return [identity, h, v, hv];
  throw new RangeError(`${caller}: unknown tta ${JSON.stringify(mode)}; expected one of ${TTA_MODES.join(', ')}`);
}

/** Runs a predictor on a batch; the result is a new tensor. */
async function runPredictor(predictor: Predictor, x: tf.Tensor4D): Promise<tf.Tensor> {
  if (predictor instanceof tf.LayersModel) return tf.tidy(() => predictor.predict(x) as tf.Tensor);
  return predictor(x);
}

/**
 * Runs `perBatch` over every batch of a loader and returns its rows (`width` values per
 * sample) in dataset-index order; `perBatch` returns the mean over its `terms` passes.
 */
async function collectRows(
  loader: BatchSource,
  epoch: number,
  caller: string,
  perBatch: (x: tf.Tensor4D, n: number) => Promise<{ sum: Float64Array; terms: number }>,
): Promise<{ values: Float32Array; width: number }> {
  const rows: { index: number; values: Float32Array }[] = [];
  let width = 0;
  for await (const batch of loader.batches(epoch)) {
    try {
      const n = batch.indices.length;
      const { sum, terms } = await perBatch(batch.x, n);
      if (sum.length % n !== 0) throw new RangeError(`${caller}: ${sum.length} values for a batch of ${n}`);
      width = sum.length / n;
      batch.indices.forEach((index, k) =>
        rows.push({ index, values: Float32Array.from(sum.subarray(k * width, (k + 1) * width), (v) => v / terms) }),
      );
    } finally {
      batch.x.dispose();
    }
  }
  rows.sort((a, b) => a.index - b.index);
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r.values, i * width));
  return { values: out, width };
}

function addInto(sum: Float64Array | null, values: ArrayLike<number>): Float64Array {
  const target = sum ?? new Float64Array(values.length);
  if (target.length !== values.length)
    throw new RangeError(`predictions of one batch differ in size: ${values.length} values against ${target.length}`);
  for (let i = 0; i < values.length; i++) target[i]! += values[i]!;
  return target;
}

/**
 * Softmax probabilities of every sample of a loader (rows in dataset-index order), with
 * optional flip TTA, optional pyramid pooling, and fold ensembling: given several predictors
 * (e.g. one per fold), each image is decoded once and the probabilities are the mean over
 * predictors and flips (the soft vote of {@link ensembleProbabilities}). No tensor is left behind.
 *
 * @param model a {@link Predictor} (TF.js model, `createInferenceFunction`, `createOnnxInferenceFunction`),
 *   an array of them (fold ensemble), or `null` with `options.pyramid`.
 * @returns `Float32Array` of `size × numClasses`
 * @example
 * const probabilities = await predictProbabilities(model, testLoader, { tta: 'hflip' });
 * const ensemble = await predictProbabilities(await Promise.all(nets.map((net) => createOnnxInferenceFunction(net))), testLoader);
 */
export async function predictProbabilities(
  model: Predictor | readonly Predictor[] | null,
  loader: BatchSource,
  options: PredictOptions = {},
): Promise<Float32Array> {
  const { tta = 'none', pyramid, maxCropsInMemory, epoch = 0 } = options;
  const flips = flipsFor(tta, 'predictProbabilities');
  const predictors: readonly Predictor[] = model === null ? [] : Array.isArray(model) ? model : [model as Predictor];
  if (predictors.length === 0 && !pyramid)
    throw new TypeError('predictProbabilities: pass a model (or an array of them) or options.pyramid');
  const { values } = await collectRows(loader, epoch, 'predictProbabilities', async (x, n) => {
    let sum: Float64Array | null = null;
    let terms = 0;
    for (const flip of flips) {
      if (pyramid) {
        const flipped = tf.tidy(() => flip(x));
        try {
          const result = await pyramid.predict(
            flipped,
            maxCropsInMemory !== undefined ? { maxCropsInMemory } : undefined,
          );
          sum = addInto(sum, await probabilitiesOf(result.fused, n));
          for (const value of Object.values(result)) if (value instanceof tf.Tensor) value.dispose();
        } finally {
          if (flipped !== x) flipped.dispose();
        }
        terms++;
        continue;
      }
      const flipped = tf.tidy(() => flip(x));
      try {
        for (const predictor of predictors) {
          const logits = await runPredictor(predictor, flipped);
          const probabilities = tf.tidy(() => tf.softmax(logits as tf.Tensor2D));
          logits.dispose();
          sum = addInto(sum, await probabilities.data());
          probabilities.dispose();
          terms++;
        }
      } finally {
        if (flipped !== x) flipped.dispose();
      }
    }
    return { sum: sum!, terms };
  });
  return values;
}

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** Flip TTA: the features are averaged over the flipped copies. Default 'none'. */
  tta?: TtaMode;
  /** Epoch passed to the loader (default 0). */
  epoch?: number;
}

/**
 * Feature vectors of every sample of a loader (rows in dataset-index order), e.g. the pooled
 * features of an EfficientNet built with `includeTop: false`, through TF.js or ONNX Runtime.
 * A spatial output `[N, h, w, C]` is flattened per sample. No tensor is left behind.
 *
 * @returns `{ features: Float32Array of size × dimension, dimension }`
 * @example
 * const net = efficientNetB3({ includeTop: false });
 * const { features, dimension } = await extractFeatures(await createOnnxInferenceFunction(net), loader);
 */
export async function extractFeatures(
  model: Predictor,
  loader: BatchSource,
  options: ExtractFeaturesOptions = {},
): Promise<{ features: Float32Array; dimension: number }> {
  const flips = flipsFor(options.tta ?? 'none', 'extractFeatures');
  if (!(model instanceof tf.LayersModel) && typeof model !== 'function')
    throw new TypeError('extractFeatures: model must be a tf.LayersModel or a function (images) => features');
  const { values, width } = await collectRows(loader, options.epoch ?? 0, 'extractFeatures', async (x) => {
    let sum: Float64Array | null = null;
    for (const flip of flips) {
      const flipped = tf.tidy(() => flip(x));
      try {
        const features = await runPredictor(model, flipped);
        sum = addInto(sum, await features.data());
        features.dispose();
      } finally {
        if (flipped !== x) flipped.dispose();
      }
    }
    return { sum: sum!, terms: flips.length };
  });
  return { features: values, dimension: width };
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
    throw new RangeError(
      `${caller}: ${probabilities.length} probabilities for ${ids.length} ids × ${classes.length} classes`,
    );
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
    await writeFileAtomic(
      file,
      JSON.stringify({
        format: 'art-probabilities',
        version: 1,
        ids,
        classes,
        probabilities: Array.from(probabilities),
      }),
    );
    return;
  }
  const rows = ids.map((id, i) => [
    id,
    ...Array.from(probabilities.subarray(i * classes.length, (i + 1) * classes.length), (v) => String(v)),
  ]);
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
      if (!Number.isFinite(value))
        throw new RangeError(
          `${file}: row ${i + 2} column ${JSON.stringify(c)} is not a number: ${JSON.stringify(record[c])}`,
        );
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
      throw new Error(
        `ensembleProbabilities: table ${k} has classes [${table.classes.join(', ')}] but table 0 has [${first.classes.join(', ')}]`,
      );
    }
    const rowOf = new Map(table.ids.map((id, i) => [id, i]));
    if (rowOf.size !== table.ids.length) throw new Error(`ensembleProbabilities: table ${k} has duplicate ids`);
    if (table.ids.length !== first.ids.length)
      throw new Error(`ensembleProbabilities: table ${k} has ${table.ids.length} ids, table 0 has ${first.ids.length}`);
    first.ids.forEach((id, i) => {
      const row = rowOf.get(id);
      if (row === undefined)
        throw new Error(`ensembleProbabilities: id ${JSON.stringify(id)} of table 0 is missing from table ${k}`);
      for (let c = 0; c < numClasses; c++) sum[i * numClasses + c]! += table.probabilities[row * numClasses + c]!;
    });
  });
  return {
    ids: [...first.ids],
    classes: [...first.classes],
    probabilities: Float32Array.from(sum, (v) => v / tables.length),
  };
}

/**
 * Arg-max labels of a probability table.
 * @example
 * const labels = argmaxLabels({ ids, classes, probabilities });
 */
export function argmaxLabels(table: ProbabilityTable): string[] {
  const k = table.classes.length;
  return table.ids.map((_, i) => table.classes[argmax(table.probabilities.subarray(i * k, (i + 1) * k))]!);
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
  await writeSubmission(
    options.out,
    { ids: mean.ids, labels: argmaxLabels(mean) },
    { sampleSubmission: options.sampleSubmission },
  );
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
export async function scoreOutOfFold(options: {
  inputs: readonly string[];
  trainCsv: string;
  complete?: boolean;
}): Promise<SubmissionScore> {
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
