import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NonFiniteLossError,
  ResumeMismatchError,
  createArrayLoader,
  loadCheckpointModel,
  resolveCheckpointDir,
  train,
  type BatchSource,
  type TrainState,
} from '../src/index.js';
import { setFileOpsHook } from '../src/io.js';
import { SIZE, tinyImages, weightBytes } from './helpers/tiny.js';
import { tinySetup } from './helpers/train-setup.js';

const here = dirname(fileURLToPath(import.meta.url));
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'art-competition-train-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function runFresh(
  name: string,
  overrides = {},
): Promise<{ bytes: Uint8Array; dir: string; result: Awaited<ReturnType<typeof train>> }> {
  const dir = join(root, name);
  const options = tinySetup(dir, overrides);
  const result = await train(options);
  const bytes = weightBytes(options.model);
  options.model.dispose();
  return { bytes, dir, result };
}

/** The committed `last` (or `best`) checkpoint folder of a run and its state.json. */
async function committed(dir: string, which: 'last' | 'best' = 'last'): Promise<{ folder: string; state: TrainState }> {
  const folder = await resolveCheckpointDir(join(dir, 'checkpoints', which));
  if (folder === null) throw new Error(`no ${which} checkpoint in ${dir}`);
  return { folder, state: JSON.parse(await readFile(join(folder, 'state.json'), 'utf8')) as TrainState };
}

let reference: { bytes: Uint8Array; dir: string; result: Awaited<ReturnType<typeof train>> };

describe('train', () => {
  it('is deterministic: two runs with one seed write identical checkpoints', async () => {
    reference = await runFresh('reference', { plots: true });
    const again = await runFresh('again');
    expect(Buffer.from(again.bytes).equals(Buffer.from(reference.bytes))).toBe(true);
    // (model.json differs only in TF.js's per-process layer-name counters; the weights are compared byte for byte)
    for (const file of ['weights.bin', 'optimizer.bin']) {
      const a = await readFile(join((await committed(reference.dir)).folder, file));
      const b = await readFile(join((await committed(again.dir)).folder, file));
      expect(a.equals(b), file).toBe(true);
    }
    const strip = (h: { seconds: number }[]) => h.map(({ seconds: _, ...rest }) => rest);
    expect(strip(again.result.history)).toEqual(strip(reference.result.history));
    expect(reference.result.stopReason).toBe('completed');
    expect(reference.result.step).toBe(18);
    // the learning-rate schedule and validation metrics are recorded
    expect(reference.result.history.map((h) => h.epoch)).toEqual([1, 2, 3]); // 1-based, as users read them
    expect(
      reference.result.history.every((h) => h.validMacroF1 !== null && h.validMacroF1 >= 0 && h.validMacroF1 <= 1),
    ).toBe(true);
  });

  it('writes history, plots, labels and a loadable best checkpoint', async () => {
    const csv = await readFile(join(reference.dir, 'history.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'epoch,step,learningRate,trainLoss,trainAccuracy,validLoss,validAccuracy,validMacroF1,seconds',
    );
    expect(csv.trim().split('\n')).toHaveLength(4);
    const jsonl = (await readFile(join(reference.dir, 'history.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl.map((r: { step: number }) => r.step)).toEqual([6, 12, 18]);
    for (const plot of ['learning-curves', 'confusion-matrix']) {
      expect((await readFile(join(reference.dir, 'plots', `${plot}.svg`), 'utf8')).startsWith('<svg')).toBe(true);
      const png = await readFile(join(reference.dir, 'plots', `${plot}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
    expect(JSON.parse(await readFile(join(reference.dir, 'labels.json'), 'utf8')).classes).toEqual([
      'Goya',
      'Monet',
      'Van Gogh',
    ]);
    const best = await loadCheckpointModel(join(reference.dir, 'checkpoints/best'));
    const { state } = await committed(reference.dir, 'best');
    expect(state.best!.macroF1).toBe(reference.result.bestMacroF1);
    const input = tf.zeros([1, SIZE, SIZE, 3]);
    const output = best.predict(input) as tf.Tensor;
    expect(output.shape).toEqual([1, 3]);
    tf.dispose([input, output]);
    best.dispose();
  });

  it('resumes after maxSteps (mid-epoch) to the same final weights as an uninterrupted run', async () => {
    const dir = join(root, 'max-steps');
    const first = tinySetup(dir, { maxSteps: 8 });
    const stopped = await train(first);
    expect(stopped.stopReason).toBe('max-steps');
    expect(stopped.step).toBe(8);
    first.model.dispose();
    const { state } = await committed(dir);
    expect([state.epoch, state.batchInEpoch, state.step]).toEqual([1, 2, 8]);
    const second = tinySetup(dir); // a fresh model and optimizer, as after a restart
    const resumed = await train(second);
    expect(resumed.stopReason).toBe('completed');
    expect(Buffer.from(weightBytes(second.model)).equals(Buffer.from(reference.bytes))).toBe(true);
    const strip = (h: { seconds: number }[]) => h.map(({ seconds: _, ...rest }) => rest);
    expect(strip(resumed.history)).toEqual(strip(reference.result.history));
    second.model.dispose();
  });

  it('resumes after an AbortSignal with optimizer, scheduler and RNG state restored', async () => {
    const dir = join(root, 'abort');
    const controller = new AbortController();
    let currentEpoch = -1;
    const first = tinySetup(dir, {
      signal: controller.signal,
      progress: {
        epochStart: (epoch) => {
          currentEpoch = epoch;
        },
        batch: (batch) => {
          if (currentEpoch === 1 && batch === 3) controller.abort();
        },
        epochEnd() {},
        log() {},
        close() {},
      },
    });
    const stopped = await train(first);
    expect(stopped.stopReason).toBe('aborted');
    expect(stopped.step).toBe(9);
    first.model.dispose();
    const second = tinySetup(dir);
    await train(second);
    expect(Buffer.from(weightBytes(second.model)).equals(Buffer.from(reference.bytes))).toBe(true);
    second.model.dispose();
  });

  it('continues after kill -9 of a training process to the same final weights', { timeout: 90_000 }, async () => {
    const dir = join(root, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'helpers/train-child.ts'), dir], {
      cwd: join(here, '..'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const pointerPath = join(dir, 'checkpoints/latest.json');
    const deadline = Date.now() + 60_000;
    let killedAt = -1;
    while (Date.now() < deadline) {
      if (existsSync(pointerPath)) {
        const step = (JSON.parse(await readFile(pointerPath, 'utf8').catch(() => '{"step":0}')) as { step: number })
          .step;
        if (step >= 4) {
          child.kill('SIGKILL');
          killedAt = step;
          break;
        }
      }
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const code = await exited;
    expect(killedAt, `child did not reach step 4 (exit ${code}): ${stderr}`).toBeGreaterThanOrEqual(4);
    expect(killedAt).toBeLessThan(18);
    const options = tinySetup(dir);
    const resumed = await train(options);
    expect(resumed.stopReason).toBe('completed');
    // no temp folders left: the pointer and the folders it names (last, and best when another one)
    const latest = JSON.parse(await readFile(join(dir, 'checkpoints/latest.json'), 'utf8')) as {
      last: string;
      best: string;
    };
    expect((await readdir(join(dir, 'checkpoints'))).sort()).toEqual(
      [...new Set([latest.best, 'latest.json', latest.last])].sort(),
    );
    expect(Buffer.from(weightBytes(options.model)).equals(Buffer.from(reference.bytes))).toBe(true);
    options.model.dispose();
  });

  it('stops on a NaN loss with a clear error and keeps the last good checkpoint', async () => {
    const dir = join(root, 'nan');
    const good = tinyImages(8, 3);
    const base = createArrayLoader({ images: good.images, labels: good.labels, shape: [SIZE, SIZE, 3], batchSize: 4 });
    const poisoned: BatchSource = {
      length: base.length,
      async *batches(epoch, options) {
        for await (const batch of base.batches(epoch, options)) {
          if (epoch === 1) {
            const bad = tf.mul(batch.x, NaN) as tf.Tensor4D;
            batch.x.dispose();
            yield { ...batch, x: bad };
          } else yield batch;
        }
      },
    };
    const options = tinySetup(dir, { trainLoader: poisoned });
    const error = await train(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toMatch(
      new RegExp(
        /^Training diverged at epoch 2, step 3 \(loss NaN\); lower the learning rate \(now 0\.01\) /.source +
          /or check the inputs for NaN\. The last good checkpoint is kept at .*checkpoints\/step-00000002\.$/.source,
      ),
    );
    const { state, folder } = await committed(dir);
    expect([state.epoch, state.step]).toEqual([1, 2]);
    const restored = await loadCheckpointModel(folder);
    expect(restored.getWeights().every((w) => Array.from(w.dataSync()).every(Number.isFinite))).toBe(true);
    restored.dispose();
    options.model.dispose();
  });

  it('leaks no tensors across steps and epochs', async () => {
    const options = tinySetup(join(root, 'leaks'), { epochs: 2, microBatchSize: 2 });
    const perEpoch: number[] = [];
    const before = tf.memory().numTensors;
    await train({ ...options, onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) });
    expect(perEpoch[1]).toBe(perEpoch[0]);
    expect(tf.memory().numTensors).toBe(before);
    options.model.dispose();
  });

  it('refuses to resume mid-epoch with a different number of batches', async () => {
    const dir = join(root, 'changed');
    const first = tinySetup(dir, { maxSteps: 2 });
    await train(first);
    first.model.dispose();
    const data = tinyImages(24, 1);
    const second = tinySetup(dir, {
      trainLoader: createArrayLoader({
        images: data.images,
        labels: data.labels,
        shape: [SIZE, SIZE, 3],
        batchSize: 8,
      }),
    });
    await expect(train(second)).rejects.toThrow(
      /stopped inside an epoch of 6 batches, but the training loader now has 3/,
    );
    await expect(train({ ...second, seed: 10 })).rejects.toThrow(/was trained with seed 9, this run has seed 10/);
    second.model.dispose();
  });

  it('stops early when validation Macro F1 stalls, after ReduceLROnPlateau has cut the rate', async () => {
    // a learning rate too small to change the predictions: Macro F1 stays flat (eps below the
    // rate's change: PyTorch's default 1e-8 would skip a 1e-9 → 5e-10 reduction as too small)
    const options = tinySetup(join(root, 'early'), {
      learningRate: 1e-9,
      epochs: 5,
      scheduler: { factor: 0.5, patience: 0, eps: 1e-12 },
      earlyStopping: { patience: 2 },
    });
    const result = await train(options);
    expect(result.stopReason).toBe('early-stopping');
    expect(result.history).toHaveLength(3);
    // the rate used in each epoch: the first flat epoch (1) exceeds patience 0, so epoch 2 runs at half
    expect(result.history.map((h) => h.learningRate)).toEqual([1e-9, 1e-9, 5e-10]);
    expect(result.bestEpoch).toBe(1);
    const again = await train(options); // a finished run stays finished
    expect(again.stopReason).toBe('early-stopping');
    expect(again.step).toBe(result.step);
    options.model.dispose();
  });

  it('restores the best weights at the end when asked', async () => {
    const options = tinySetup(reference.dir, { restoreBestWeights: true }); // already complete: only restores
    const result = await train(options);
    expect(result.step).toBe(18);
    const best = await loadCheckpointModel(join(reference.dir, 'checkpoints/best'));
    expect(Buffer.from(weightBytes(options.model)).equals(Buffer.from(weightBytes(best)))).toBe(true);
    best.dispose();
    options.model.dispose();
  });

  it('rebuilds the history on resume after a crash between the last checkpoint and the history', async () => {
    const dir = join(root, 'history-crash');
    let historyWrites = 0;
    setFileOpsHook((op) => {
      // the third epoch's history.csv write: its checkpoint is committed, the history not yet written
      if (op.kind === 'open' && /\.history\.csv\..*\.tmp$/.test(op.path) && ++historyWrites === 3)
        throw new Error('simulated crash');
    });
    const first = tinySetup(dir);
    await expect(train(first)).rejects.toThrow('simulated crash');
    setFileOpsHook(null);
    first.model.dispose();
    expect((await readFile(join(dir, 'history.csv'), 'utf8')).trim().split('\n')).toHaveLength(3); // header + 2 epochs
    const second = tinySetup(dir);
    const resumed = await train(second);
    second.model.dispose();
    expect(resumed.stopReason).toBe('completed');
    expect(resumed.step).toBe(18); // nothing retrained
    const rows = (await readFile(join(dir, 'history.csv'), 'utf8')).trim().split('\n');
    expect(rows.map((row) => row.split(',')[0])).toEqual(['epoch', '1', '2', '3']);
    expect((await readFile(join(dir, 'history.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(3);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]); // the crashed write's temp file is gone
  });

  it('refuses a learning rate that differs from the checkpoint instead of silently keeping the old one', async () => {
    const dir = join(root, 'lr');
    const first = tinySetup(dir, { maxSteps: 8, learningRate: 0.01 });
    await train(first);
    first.model.dispose();
    const changed = tinySetup(dir, { learningRate: 1e6 });
    await expect(train(changed)).rejects.toThrow(ResumeMismatchError);
    await expect(train(changed)).rejects.toThrow(
      /^train: learningRate 1000000 differs from 0\.01, the learningRate of the checkpoint .*step-00000008 \(now at 0\.01\); resuming continues its schedule/,
    );
    const { learningRate: _, ...rest } = changed;
    const resumed = await train(rest); // no rate given: the checkpoint's schedule continues
    changed.model.dispose();
    expect(resumed.learningRate).toBe(0.01);
    expect(resumed.finalLearningRate).toBe(reference.result.finalLearningRate);
  });

  it('reports weights gone NaN at validation as divergence, not as a metrics error', async () => {
    const dir = join(root, 'diverged');
    const data = tinyImages(24, 1);
    const oneBatch = createArrayLoader({
      images: data.images,
      labels: data.labels,
      shape: [SIZE, SIZE, 3],
      batchSize: 24,
    });
    const options = tinySetup(dir, { trainLoader: oneBatch, learningRate: 3e38, optimizer: 'sgd' });
    const error = await train(options).catch((e: unknown) => e);
    options.model.dispose();
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toBe(
      'Training diverged at epoch 1, step 1 (validation predictions NaN); lower the learning rate ' +
        '(now 3e+38) or check the inputs for NaN. No checkpoint had been written yet.',
    );
  });

  it('rejects bad options with named values', async () => {
    const options = tinySetup(join(root, 'bad'));
    await expect(train({ ...options, epochs: 0 })).rejects.toThrow(/epochs must be a positive integer, got 0/);
    await expect(train({ ...options, optimizer: 'rmsprop' as never })).rejects.toThrow(
      /Unknown optimizer "rmsprop"; expected one of adam, adamw, sgd/,
    );
    await expect(train({ ...options, progress: 'fancy' as never })).rejects.toThrow(
      /expected one of auto, bar, lines, none/,
    );
    options.model.dispose();
  });
});
