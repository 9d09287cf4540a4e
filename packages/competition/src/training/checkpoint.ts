import * as tf from '@tensorflow/tfjs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import {
  ensureDir,
  isAtomicTempName,
  removePath,
  renameDurable,
  syncDir,
  writeFileAtomic,
  writeFileDurable,
} from '../io.js';
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
      await writeFileDurable(join(dir, CHECKPOINT_FILES.weights), weights);
      await writeFileDurable(join(dir, CHECKPOINT_FILES.model), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength },
      };
    }),
  );
}

async function writeOptimizer(dir: string, optimizer: tf.Optimizer, model: tf.LayersModel): Promise<void> {
  const named = await optimizer.getWeights();
  // Slot names start with the engine-wide variable name ("head/kernel_1/m" in a process that built
  // two models); the model's own names make the file the same in every process. (Loading is positional.)
  const ownNames = new Map(model.weights.map((w) => [w.name, w.originalName]));
  const stableName = (name: string): string => {
    const slash = name.lastIndexOf('/');
    const own = slash > 0 ? ownNames.get(name.slice(0, slash)) : undefined;
    return own === undefined ? name : `${own}${name.slice(slash)}`;
  };
  // getWeights() returns the live accumulator variables plus a fresh `iter` scalar; only that one is ours to dispose.
  const fresh = named.filter((w) => w.name === 'iter');
  try {
    const { data, specs } = await tf.io.encodeWeights(
      named.map((w) => ({ name: stableName(w.name), tensor: w.tensor })),
    );
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
    await writeFileDurable(join(dir, CHECKPOINT_FILES.optimizerWeights), new Uint8Array(toArrayBuffer(data)));
    await writeFileDurable(join(dir, CHECKPOINT_FILES.optimizer), JSON.stringify(json));
  } finally {
    tf.dispose(fresh.map((w) => w.tensor));
  }
}

/** The pointer file of a {@link CheckpointStore}: the committed `last` and `best` folders. */
export const CHECKPOINT_POINTER = 'latest.json';

/** Contents of a checkpoint: weights, optionally the optimizer, the caller's state and a `.safetensors` export. */
export interface CheckpointContents {
  model: tf.LayersModel;
  optimizer?: tf.Optimizer;
  state?: unknown;
  safetensors?: Uint8Array;
}

interface CheckpointPointer {
  format: 'art-checkpoints';
  version: 1;
  /** Folder (inside the store) of the newest checkpoint. */
  last: string;
  /** Folder of the best one (by the caller's criterion), or null. */
  best: string | null;
  step: number;
}

const FOLDER = /^step-\d{8}(?:-\d+)?$/;
const TEMP_SUFFIX = '.tmp';

async function writeCheckpointFolder(dir: string, contents: CheckpointContents): Promise<void> {
  await ensureDir(dir);
  await writeModel(dir, contents.model);
  if (contents.optimizer) await writeOptimizer(dir, contents.optimizer, contents.model);
  if (contents.safetensors) await writeFileDurable(join(dir, CHECKPOINT_FILES.safetensors), contents.safetensors);
  if (contents.state !== undefined)
    await writeFileDurable(join(dir, CHECKPOINT_FILES.state), `${JSON.stringify(contents.state)}\n`);
  await syncDir(dir);
}

/**
 * Writes one checkpoint folder atomically: everything goes into a temp folder next to `dir`
 * (each file fsynced), which is then renamed to `dir`. A run killed at any moment leaves no
 * `dir` or a complete one. `dir` must not exist (checkpoints are never rewritten in place; a
 * {@link CheckpointStore} keeps a series of them).
 *
 * Contents: TF.js layers format (`model.json` + `weights.bin`, loadable by
 * `tf.loadLayersModel`), the optimizer state (`optimizer.json` + `optimizer.bin`), the
 * caller's `state` as `state.json`, and optionally `model.safetensors`.
 *
 * @throws {Error} when `dir` already exists
 * @example
 * await saveCheckpoint('runs/x/export/epoch-3', { model, optimizer, state: { epoch: 3 } });
 */
export async function saveCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  if (await pathExists(dir))
    throw new Error(
      `saveCheckpoint: ${JSON.stringify(dir)} already exists; write each checkpoint to a new folder (or use a CheckpointStore)`,
    );
  const temp = join(dirname(dir), `.${basename(dir)}${TEMP_SUFFIX}`);
  await ensureDir(dirname(dir));
  await removePath(temp);
  await writeCheckpointFolder(temp, contents);
  await renameDurable(temp, dir);
}

/**
 * A directory of numbered checkpoint folders (`step-00000120/`) and a pointer file
 * (`latest.json`) naming the newest (`last`) and the `best` one. The pointer is the commit
 * point, so every crash leaves exactly one valid newest state:
 *
 * 1. garbage of an earlier crash (temp folders and files, folders the pointer does not name) is removed;
 * 2. the new folder is written under a temp name, each file fsynced, then renamed (and the directory fsynced);
 * 3. the pointer is replaced atomically (temp file, fsync, rename, directory fsync): the commit;
 * 4. folders the pointer no longer names are removed.
 *
 * A crash before 3 leaves the previous checkpoint as the valid one (the new folder is garbage);
 * a crash after 3 leaves the new one (the old folders are garbage). Reading never deletes anything.
 *
 * @example
 * const store = new CheckpointStore('runs/b3/checkpoints');
 * await store.save({ model, optimizer, state }, { step: 120, best: true });
 * const { last, best } = (await store.latest())!;
 */
export class CheckpointStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private async readPointer(): Promise<CheckpointPointer | null> {
    const file = join(this.root, CHECKPOINT_POINTER);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`Cannot read checkpoint pointer ${JSON.stringify(file)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let pointer: CheckpointPointer;
    try {
      pointer = JSON.parse(text) as CheckpointPointer;
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}); delete ${this.root} to start over`, {
        cause: error,
      });
    }
    if (
      pointer.format !== 'art-checkpoints' ||
      typeof pointer.last !== 'string' ||
      !FOLDER.test(pointer.last) ||
      (pointer.best !== null && !FOLDER.test(pointer.best))
    ) {
      throw new Error(`${file} is not an @art checkpoint pointer; delete ${this.root} to start over`);
    }
    return pointer;
  }

  /**
   * The committed checkpoints as absolute folder paths, or null when none was committed yet.
   * @throws {Error} when the pointer names a folder that is missing (someone deleted it)
   */
  async latest(): Promise<{ last: string; best: string | null; step: number } | null> {
    const pointer = await this.readPointer();
    if (!pointer) return null;
    for (const name of [pointer.last, pointer.best]) {
      if (name !== null && !(await pathExists(join(this.root, name, CHECKPOINT_FILES.model)))) {
        throw new Error(
          `${join(this.root, CHECKPOINT_POINTER)} names checkpoint ${name}, which is missing; restore it or delete ${this.root} to start over`,
        );
      }
    }
    return {
      last: join(this.root, pointer.last),
      best: pointer.best === null ? null : join(this.root, pointer.best),
      step: pointer.step,
    };
  }

  /**
   * Saves a new checkpoint as `last` (and as `best` when `best` is true; otherwise the previous
   * best is kept) and removes the ones no longer named. Returns the new folder.
   */
  async save(contents: CheckpointContents, options: { step: number; best?: boolean }): Promise<string> {
    await ensureDir(this.root);
    const pointer = await this.readPointer();
    const keep = new Set([pointer?.last, pointer?.best].filter((name): name is string => typeof name === 'string'));
    await this.removeGarbage(keep);
    const base = `step-${String(options.step).padStart(8, '0')}`;
    let name = base;
    for (let k = 1; keep.has(name); k++) name = `${base}-${k}`;
    const temp = join(this.root, `.${name}${TEMP_SUFFIX}`);
    await writeCheckpointFolder(temp, contents);
    await renameDurable(temp, join(this.root, name));
    const next: CheckpointPointer = {
      format: 'art-checkpoints',
      version: 1,
      last: name,
      best: options.best ? name : (pointer?.best ?? null),
      step: options.step,
    };
    await writeFileAtomic(join(this.root, CHECKPOINT_POINTER), `${JSON.stringify(next, null, 2)}\n`);
    await this.removeGarbage(new Set([next.last, next.best].filter((n): n is string => n !== null)));
    return join(this.root, name);
  }

  /**
   * Removes what a crash left behind (temp folders and files, folders the pointer does not
   * name), but only when a committed checkpoint exists; returns it like {@link latest}.
   */
  async recover(): Promise<{ last: string; best: string | null; step: number } | null> {
    const latest = await this.latest();
    if (latest)
      await this.removeGarbage(
        new Set([latest.last, latest.best].filter((p): p is string => p !== null).map((p) => basename(p))),
      );
    return latest;
  }

  /** Removes temp folders and files, and checkpoint folders not in `keep`. */
  private async removeGarbage(keep: ReadonlySet<string>): Promise<void> {
    for (const entry of (await readdir(this.root)).sort()) {
      const isTemp = entry.startsWith('.') && (entry.endsWith(TEMP_SUFFIX) || isAtomicTempName(entry));
      if (isTemp || (FOLDER.test(entry) && !keep.has(entry))) await removePath(join(this.root, entry));
    }
  }
}

async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The folder holding a complete checkpoint for `dir`: `dir` itself when it is one, or, for
 * `<store>/last` and `<store>/best`, the folder a {@link CheckpointStore}'s pointer names;
 * null when there is none.
 * @example
 * const dir = await resolveCheckpointDir('runs/b3/checkpoints/last'); // e.g. runs/b3/checkpoints/step-00000120
 */
export async function resolveCheckpointDir(dir: string): Promise<string | null> {
  if (await pathExists(join(dir, CHECKPOINT_FILES.model))) return resolve(dir);
  const alias = basename(dir);
  if (alias !== 'last' && alias !== 'best') return null;
  const latest = await new CheckpointStore(dirname(dir)).latest();
  return latest ? latest[alias] : null;
}

async function requireCheckpointDir(dir: string): Promise<string> {
  const found = await resolveCheckpointDir(dir);
  if (found === null)
    throw new Error(
      `No checkpoint at ${JSON.stringify(dir)} (no ${CHECKPOINT_FILES.model}, and no ${CHECKPOINT_POINTER} naming one)`,
    );
  return found;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`Cannot read checkpoint file ${JSON.stringify(file)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Loads the TF.js layers-format model of a checkpoint (topology + weights) as a new model.
 * Custom layers must be registered (import their package first).
 *
 * @example
 * const model = await loadCheckpointModel('runs/x/checkpoints/best');
 */
export async function loadCheckpointModel(path: string): Promise<tf.LayersModel> {
  const dir = await requireCheckpointDir(path);
  const modelJson = await readJson<tf.io.ModelJSON>(join(dir, CHECKPOINT_FILES.model));
  const weightData = new Uint8Array(await readFile(join(dir, CHECKPOINT_FILES.weights))).buffer;
  const artifacts = tf.io.getModelArtifactsForJSONSync(
    modelJson,
    tf.io.getWeightSpecs(modelJson.weightsManifest),
    weightData,
  );
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
export async function loadCheckpoint<State = unknown>(
  path: string,
  target: { model: tf.LayersModel; optimizer?: tf.Optimizer },
): Promise<State | null> {
  const dir = await requireCheckpointDir(path);
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
        throw new Error(
          `Checkpoint ${dir}: weight ${spec.name} has shape [${tensor.shape}] but the model's ${weights[i]!.originalName} has [${expected}]`,
        );
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
      throw new Error(
        `Checkpoint ${dir} holds ${json.className} optimizer state; the run uses ${target.optimizer.getClassName()}`,
      );
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
