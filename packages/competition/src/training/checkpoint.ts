import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { writeFileAtomic } from '../io.js';
import { setLearningRate } from './optimizers.js';

/** File names inside a checkpoint directory. */
export const CHECKPOINT_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  optimizer: 'optimizer.json',
  optimizerWeights: 'optimizer.bin',
  state: 'state.json',
  safetensors: 'model.safetensors',
} as const;

interface OptimizerJson {
  format: 'art-optimizer';
  version: 1;
  className: string;
  learningRate: number | null;
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** Adam's running beta powers: TF.js recomputes them with pow() on setWeights, which can
   * differ in the last bit from the step-by-step products, so they are saved exactly. */
  adamBetaPowers?: [number, number];
}

function toArrayBuffer(data: tf.io.WeightData): ArrayBuffer {
  return tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data]);
}

async function writeModel(dir: string, model: tf.LayersModel): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData ? new Uint8Array(toArrayBuffer(artifacts.weightData)) : new Uint8Array();
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${CHECKPOINT_FILES.weights}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFileAtomic(join(dir, CHECKPOINT_FILES.weights), weights);
      await writeFileAtomic(join(dir, CHECKPOINT_FILES.model), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

async function writeOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const named = await optimizer.getWeights();
  // getWeights() returns the live accumulator variables plus a fresh `iter` scalar; only that one is ours to dispose.
  const fresh = named.filter((w) => w.name === 'iter');
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    const json: OptimizerJson = {
      format: 'art-optimizer',
      version: 1,
      className: optimizer.getClassName(),
      learningRate: (optimizer as unknown as { learningRate?: number }).learningRate ?? null,
      weightSpecs: specs,
    };
    const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
    if (adam.accBeta1 && adam.accBeta2) {
      json.adamBetaPowers = [(await adam.accBeta1.data())[0]!, (await adam.accBeta2.data())[0]!];
    }
    await writeFileAtomic(join(dir, CHECKPOINT_FILES.optimizerWeights), new Uint8Array(toArrayBuffer(data)));
    await writeFileAtomic(join(dir, CHECKPOINT_FILES.optimizer), JSON.stringify(json));
  } finally {
    tf.dispose(fresh.map((w) => w.tensor));
  }
}

/**
 * Writes a checkpoint directory atomically as a whole: everything goes into a temp
 * directory next to `dir`, which then replaces `dir` by rename. A run killed at any moment
 * leaves either the previous checkpoint or the new one, never a mix.
 *
 * Contents: TF.js layers format (`model.json` + `weights.bin`, loadable by
 * `tf.loadLayersModel`), the optimizer state (`optimizer.json` + `optimizer.bin`), the
 * caller's `state` as `state.json`, and optionally `model.safetensors`.
 *
 * @example
 * await saveCheckpoint('runs/x/checkpoints/last', { model, optimizer, state: { epoch: 3 } });
 */
export async function saveCheckpoint(
  dir: string,
  contents: { model: tf.LayersModel; optimizer?: tf.Optimizer; state?: unknown; safetensors?: Uint8Array },
): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  const old = join(parent, `.${basename(dir)}.old`);
  // Temp directories left by a killed run are garbage: only one run writes to a directory.
  const stalePrefix = `.${basename(dir)}.tmp-`;
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(stalePrefix)) await rm(join(parent, entry), { recursive: true, force: true });
  }
  await mkdir(temp, { recursive: true });
  try {
    await writeModel(temp, contents.model);
    if (contents.optimizer) await writeOptimizer(temp, contents.optimizer);
    if (contents.safetensors) await writeFileAtomic(join(temp, CHECKPOINT_FILES.safetensors), contents.safetensors);
    if (contents.state !== undefined) await writeFileAtomic(join(temp, CHECKPOINT_FILES.state), `${JSON.stringify(contents.state)}\n`);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  // Swap: dir → .old, temp → dir, drop .old. Between the renames only `.old` exists, and
  // resolveCheckpointDir() falls back to it.
  await rm(old, { recursive: true, force: true });
  if (await isDirectory(dir)) await rename(dir, old);
  await rename(temp, dir);
  await rm(old, { recursive: true, force: true });
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * The directory holding a complete checkpoint for `dir`: `dir` itself, or the `.old` copy a
 * run killed in the middle of the swap left behind; null when there is none.
 * @example
 * const dir = await resolveCheckpointDir('runs/b3/checkpoints/last'); // null when none was written
 */
export async function resolveCheckpointDir(dir: string): Promise<string | null> {
  if (await isDirectory(dir)) return dir;
  const old = join(dirname(dir), `.${basename(dir)}.old`);
  if (await isDirectory(old)) return old;
  return null;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`Cannot read checkpoint file ${JSON.stringify(file)}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loads the TF.js layers-format model of a checkpoint (topology + weights) as a new model.
 * Custom layers must be registered (import their package first).
 *
 * @example
 * const model = await loadCheckpointModel('runs/x/checkpoints/best');
 */
export async function loadCheckpointModel(dir: string): Promise<tf.LayersModel> {
  const modelJson = await readJson<tf.io.ModelJSON>(join(dir, CHECKPOINT_FILES.model));
  const weightData = new Uint8Array(await readFile(join(dir, CHECKPOINT_FILES.weights))).buffer;
  const artifacts = tf.io.getModelArtifactsForJSONSync(modelJson, tf.io.getWeightSpecs(modelJson.weightsManifest), weightData);
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

/**
 * Restores a checkpoint into an existing model (weights, in model order, shapes checked) and
 * optionally an optimizer; returns the saved `state.json` (or null).
 *
 * @throws {Error} when the checkpoint does not match the model (count or shapes)
 * @example
 * const state = await loadCheckpoint('runs/x/checkpoints/last', { model, optimizer });
 */
export async function loadCheckpoint<State = unknown>(dir: string, target: { model: tf.LayersModel; optimizer?: tf.Optimizer }): Promise<State | null> {
  const modelJson = await readJson<tf.io.ModelJSON>(join(dir, CHECKPOINT_FILES.model));
  const specs = tf.io.getWeightSpecs(modelJson.weightsManifest);
  const weightData = new Uint8Array(await readFile(join(dir, CHECKPOINT_FILES.weights))).buffer;
  const decoded = tf.io.decodeWeights(weightData, specs);
  try {
    const weights = target.model.weights;
    if (weights.length !== specs.length) {
      throw new Error(`Checkpoint ${dir} has ${specs.length} weights but the model has ${weights.length}`);
    }
    // Positional: layer names carry per-process counters (dense_Dense3), so a model rebuilt
    // in another process may name its weights differently while matching exactly in order.
    const values = specs.map((spec, i) => {
      const tensor = decoded[spec.name]!;
      const expected = weights[i]!.shape;
      if (tensor.shape.length !== expected.length || tensor.shape.some((d, j) => d !== expected[j])) {
        throw new Error(`Checkpoint ${dir}: weight ${spec.name} has shape [${tensor.shape}] but the model's ${weights[i]!.originalName} has [${expected}]`);
      }
      return tensor;
    });
    target.model.setWeights(values);
  } finally {
    tf.dispose(Object.values(decoded));
  }
  if (target.optimizer) {
    const json = await readJson<OptimizerJson>(join(dir, CHECKPOINT_FILES.optimizer));
    if (json.className !== target.optimizer.getClassName()) {
      throw new Error(`Checkpoint ${dir} holds ${json.className} optimizer state; the run uses ${target.optimizer.getClassName()}`);
    }
    const data = new Uint8Array(await readFile(join(dir, CHECKPOINT_FILES.optimizerWeights))).buffer;
    const map = tf.io.decodeWeights(data, json.weightSpecs);
    const named = json.weightSpecs.map((spec) => ({ name: spec.name, tensor: map[spec.name]! }));
    try {
      await target.optimizer.setWeights(named);
    } finally {
      tf.dispose(Object.values(map)); // setWeights copies them into new variables
    }
    const adam = target.optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
    if (json.adamBetaPowers && adam.accBeta1 && adam.accBeta2) {
      const [beta1Power, beta2Power] = json.adamBetaPowers;
      tf.tidy(() => {
        adam.accBeta1!.assign(tf.scalar(beta1Power));
        adam.accBeta2!.assign(tf.scalar(beta2Power));
      });
    }
    if (json.learningRate !== null) setLearningRate(target.optimizer, json.learningRate);
  }
  try {
    return await readJson<State>(join(dir, CHECKPOINT_FILES.state));
  } catch {
    return null;
  }
}
