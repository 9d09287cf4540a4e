// Fault injection: a simulated crash at every file operation of a training run (and a second
// crash at every operation of the recovery that follows some of them) must resume to the
// uninterrupted run's files, byte for byte.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createArrayLoader, train, type TrainOptions } from '../src/index.js';
import { setFileOpsHook, type FileOp } from '../src/io.js';
import { withSeededRandom } from '../src/random.js';
import { tinyImages } from './helpers/tiny.js';

const SIDE = 2;
const CLASSES = 3;

/** A few-parameter model with fixed layer names (so model.json is byte-identical across instances). */
function microModel(): tf.Sequential {
  return withSeededRandom(3, () =>
    tf.sequential({
      name: 'micro',
      layers: [
        tf.layers.flatten({ name: 'flat', inputShape: [SIDE, SIDE, 3] }),
        tf.layers.dense({ name: 'head', units: CLASSES }),
      ],
    }),
  );
}

const trainData = tinyImages(8, 1, CLASSES, SIDE);
const validData = tinyImages(6, 2, CLASSES, SIDE);
const testData = tinyImages(4, 3, CLASSES, SIDE);

function setup(outDir: string): TrainOptions & { model: tf.Sequential } {
  return {
    model: microModel(),
    trainLoader: createArrayLoader({
      images: trainData.images,
      labels: trainData.labels,
      shape: [SIDE, SIDE, 3],
      batchSize: 4,
      shuffle: true,
      seed: 5,
    }),
    validLoader: createArrayLoader({
      images: validData.images,
      labels: validData.labels,
      shape: [SIDE, SIDE, 3],
      batchSize: 6,
    }),
    numClasses: CLASSES,
    classes: ['a', 'b', 'c'],
    epochs: 2,
    outDir,
    seed: 4,
    learningRate: 0.05,
    scheduler: { factor: 0.5, patience: 0 },
    progress: 'none',
    plots: false,
    checkpointEverySteps: 1, // mid-epoch checkpoints too: 4 checkpoint cycles, with pruning
    clock: () => 0, // the history's `seconds` column becomes reproducible
  };
}

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** Runs (or resumes) training; with `crashAt`, every file operation from that one on throws. Returns the ops done. */
async function run(
  outDir: string,
  crashAt = Infinity,
): Promise<{ crashed: boolean; ops: FileOp[]; predictions: Uint8Array | null }> {
  const ops: FileOp[] = [];
  setFileOpsHook((op) => {
    if (ops.length >= crashAt) throw new SimulatedCrash(`crash before ${op.kind} ${op.path}`);
    ops.push(op);
  });
  const options = setup(outDir);
  try {
    await train(options);
    // The submission's input: the final model's test probabilities.
    const x = tf.tensor4d(testData.images, [4, SIDE, SIDE, 3]);
    const y = options.model.predict(x) as tf.Tensor;
    const predictions = new Uint8Array((y.dataSync() as Float32Array).slice().buffer);
    tf.dispose([x, y]);
    return { crashed: false, ops, predictions };
  } catch (error) {
    if (!(error instanceof SimulatedCrash)) throw error;
    return { crashed: true, ops, predictions: null };
  } finally {
    setFileOpsHook(null);
    options.model.dispose();
  }
}

/** Every file under `dir` (relative path → bytes). */
async function snapshotTree(dir: string, prefix = ''): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of (await readdir(join(dir, prefix))).sort()) {
    const path = join(prefix, entry);
    if ((await stat(join(dir, path))).isDirectory())
      for (const [k, v] of await snapshotTree(dir, path)) files.set(k, v);
    else files.set(path, await readFile(join(dir, path)));
  }
  return files;
}

function expectSameTree(actual: Map<string, Buffer>, expected: Map<string, Buffer>, label: string): void {
  expect([...actual.keys()], label).toEqual([...expected.keys()]);
  for (const [path, bytes] of expected) expect(actual.get(path)!.equals(bytes), `${label}: ${path}`).toBe(true);
}

let root: string;
let reference: { tree: Map<string, Buffer>; predictions: Uint8Array; ops: FileOp[] };
beforeAll(async () => {
  await tf.setBackend('cpu');
  // fsync is free on tmpfs: a few hundred runs stay fast (the crash points are the same on any file system)
  root = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'art-crash-'));
  const dir = join(root, 'reference');
  const result = await run(dir);
  reference = { tree: await snapshotTree(dir), predictions: result.predictions!, ops: result.ops };
});
afterEach(() => void setFileOpsHook(null));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Crashes at `first`, then (optionally) the recovery at `second`, then resumes to the end; checks the result. */
async function crashAndResume(first: number, second?: number): Promise<void> {
  const dir = join(root, `crash-${first}-${second ?? 'none'}`);
  const crashed = reference.ops[first]!;
  const label =
    `crash at op ${first} (${crashed.kind} ${crashed.path.slice(join(root, 'reference').length)})` +
    `${second === undefined ? '' : `, then at recovery op ${second}`}`;
  expect((await run(dir, first)).crashed, label).toBe(true);
  if (second !== undefined)
    expect((await run(dir, second)).crashed, `${label}, then at recovery op ${second}`).toBe(true);
  const resumed = await run(dir);
  expect(resumed.crashed).toBe(false);
  expect(Buffer.from(resumed.predictions!).equals(Buffer.from(reference.predictions)), `${label}: predictions`).toBe(
    true,
  );
  expectSameTree(await snapshotTree(dir), reference.tree, label);
  await rm(dir, { recursive: true, force: true });
}

describe('crash recovery (fault injection at every file operation)', () => {
  it('the reference run writes the whole tree through the hooked I/O layer', () => {
    const kinds = new Set(reference.ops.map((op) => op.kind));
    expect([...kinds].sort()).toEqual(['fsync', 'fsync-dir', 'mkdir', 'open', 'rename', 'rm', 'write']);
    // best (epoch 1, step 2) and last (step 4) are two folders; the mid-epoch ones (steps 1, 3) were pruned
    const files = ['model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'weights.bin'];
    expect([...reference.tree.keys()]).toEqual([
      'checkpoints/latest.json',
      ...files.map((f) => `checkpoints/step-00000002/${f}`),
      ...files.map((f) => `checkpoints/step-00000004/${f}`),
      'history.csv',
      'history.jsonl',
      'labels.json',
    ]);
  });

  it('resumes to the same bytes after a crash at any file operation', { timeout: 120_000 }, async () => {
    const tensors = tf.memory().numTensors;
    for (let first = 0; first < reference.ops.length; first++) await crashAndResume(first);
    expect(tf.memory().numTensors, 'no tensor leaks from crashed runs').toBe(tensors);
  });

  it('resumes to the same bytes after a second crash at any file operation of the recovery', {
    timeout: 120_000,
  }, async () => {
    // First crash: at each commit-relevant point of the last checkpoint cycle (inside the temp
    // folder, at its rename, at the pointer's rename, at the pruning, in the history writes:
    // where the previous design lost work); second crash: at every operation of the recovering
    // run up to and including its first pointer commit.
    const lastCycle = reference.ops.findIndex((op) => op.kind === 'mkdir' && op.path.endsWith('.step-00000004.tmp'));
    expect(lastCycle).toBeGreaterThan(0);
    const firsts = [lastCycle + 1];
    for (let i = lastCycle; i < reference.ops.length; i++)
      if (['rename', 'rm'].includes(reference.ops[i]!.kind)) firsts.push(i, i + 1);
    for (const first of firsts.filter((i) => i < reference.ops.length)) {
      const probe = join(root, `probe-${first}`);
      await run(probe, first);
      const recovery = (await run(probe)).ops;
      await rm(probe, { recursive: true, force: true });
      const commit = recovery.findIndex((op) => op.kind === 'rename' && op.path.endsWith('latest.json'));
      const last = commit < 0 ? recovery.length - 1 : commit + 1; // (a recovery with nothing to save has no commit)
      for (let second = 0; second <= last; second++) await crashAndResume(first, second);
    }
  });
});
