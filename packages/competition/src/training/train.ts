import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { createTrainStep } from '@art/backend';
import { exportTorchvisionWeights, type EfficientNet } from '@art/efficientnet';
import { NonFiniteLossError, NonFinitePredictionsError, ResumeMismatchError } from '../errors.js';
import { mixSeeds, withSeededRandom } from '../random.js';
import { ensureDir, removeAtomicTemps, writeFileAtomic } from '../io.js';
import type { BatchSource } from '../data/array-loader.js';
import { CheckpointStore, loadCheckpoint } from './checkpoint.js';
import { evaluate, type EvaluationResult } from './evaluate.js';
import { writeHistory, type EpochRecord } from './history.js';
import { createOptimizer, getLearningRate, setLearningRate, type OptimizerSpec } from './optimizers.js';
import { confusionMatrixSpec, learningCurvesSpec, writePlot } from './plots.js';
import { createProgressReporter, type ProgressMode, type ProgressReporter } from './progress.js';
import {
  EarlyStopping,
  ReduceLROnPlateau,
  type EarlyStoppingState,
  type ReduceLROnPlateauOptions,
  type ReduceLROnPlateauState,
} from './schedulers.js';

/** Why `train` returned. */
export type StopReason = 'completed' | 'early-stopping' | 'aborted' | 'max-steps';

/** Options of {@link train}. */
export interface TrainOptions {
  /** The model (image → logits), or an @art/efficientnet `EfficientNet` (checkpoints then add `model.safetensors`). */
  model: tf.LayersModel | EfficientNet;
  trainLoader: BatchSource;
  /** Validation batches (labels required). Without it there is no Macro F1, scheduler or best checkpoint. */
  validLoader?: BatchSource;
  numClasses: number;
  /** Class names, for `labels.json` and the confusion-matrix plot. */
  classes?: readonly string[];
  epochs: number;
  /** Output directory (history, checkpoints, plots). */
  outDir: string;
  /** Seed of dropout / stochastic depth masks (per step); the loaders carry their own seeds. Default 0. */
  seed?: number;
  /** 'adam' (default) | 'adamw' | 'sgd' | spec | a ready tf.Optimizer (the caller then owns and disposes it). */
  optimizer?: OptimizerSpec | tf.Optimizer;
  /**
   * Initial learning rate (default 1e-4). When resuming, the checkpoint's schedule continues
   * (the rate ReduceLROnPlateau reached is kept); a value different from the checkpoint's
   * initial rate is an error rather than silently ignored (start a new run to change it).
   */
  learningRate?: number;
  /** ReduceLROnPlateau on validation Macro F1 (default `{ mode: 'max', factor: 0.1, patience: 1 }`, the V2-M recipe); false disables. */
  scheduler?: ReduceLROnPlateauOptions | false;
  /** Early stopping on validation Macro F1 (default false). */
  earlyStopping?: { patience?: number; minDelta?: number } | false;
  /** Micro-batch size for gradient accumulation (@art/backend createTrainStep); default: whole batch. */
  microBatchSize?: number;
  /** Label smoothing of the cross-entropy (default 0, as the seed). */
  labelSmoothing?: number;
  /**
   * Continue from the newest committed checkpoint in `outDir/checkpoints` when there is one
   * (default true). History and plots are rewritten from it, so they are complete after a crash.
   */
  resume?: boolean;
  /** Also save the `last` checkpoint every N optimizer steps mid-epoch (default 0: only at epoch ends). */
  checkpointEverySteps?: number;
  /** Stops the run after the current step (state saved; `resume` continues it). */
  signal?: AbortSignal;
  /** Stops the run once the global step count reaches this (state saved). */
  maxSteps?: number;
  /** 'auto' (default) | 'bar' | 'lines' | 'none' | a custom reporter. */
  progress?: ProgressMode | ProgressReporter;
  /** Write learning-curve and confusion-matrix plots (SVG + PNG) every epoch (default true). */
  plots?: boolean;
  /** When the run ends (completed or early stopping), load the best checkpoint's weights into the model (default false: the model keeps the last weights). */
  restoreBestWeights?: boolean;
  /** Milliseconds clock for the `seconds` column of the history (default `Date.now`; tests pass a fixed one). */
  clock?: () => number;
  /** Called after every epoch with its record. */
  onEpochEnd?: (record: EpochRecord, validation: EvaluationResult | null) => void | Promise<void>;
}

/** Result of {@link train}. */
export interface TrainResult {
  history: EpochRecord[];
  bestEpoch: number | null;
  bestMacroF1: number | null;
  stopReason: StopReason;
  /** Global optimizer steps done. */
  step: number;
  /** The initial learning rate of the run (from the checkpoint when resumed). */
  learningRate: number;
  /** The learning rate at the end (after ReduceLROnPlateau). */
  finalLearningRate: number;
  outDir: string;
  /** Folder of the newest checkpoint (`outDir/checkpoints/step-…`), or null when none was written. */
  lastCheckpoint: string | null;
  /** Folder of the best checkpoint, or null. */
  bestCheckpoint: string | null;
}

/** The reproducible state saved in a checkpoint's `state.json`. */
export interface TrainState {
  format: 'art-train-state';
  version: 1;
  seed: number;
  /** Epoch in progress (or the next one when `batchInEpoch` is 0). */
  epoch: number;
  /** Batches of `epoch` already trained. */
  batchInEpoch: number;
  step: number;
  learningRate: number;
  scheduler: ReduceLROnPlateauState | null;
  earlyStopping: EarlyStoppingState | null;
  /** `epoch` is 1-based, as in the history. */
  best: { macroF1: number; epoch: number; confusionMatrix: number[][] } | null;
  history: EpochRecord[];
  /** Running sums of the epoch in progress. */
  partial: { lossSum: number; correct: number; count: number };
  finished: StopReason | null;
  /** `learningRate`: the initial one (absent in checkpoints of older versions). */
  config: { epochs: number; numClasses: number; optimizer: string; trainBatches: number; learningRate?: number };
}

function isEfficientNet(value: unknown): value is EfficientNet {
  return (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof tf.LayersModel) &&
    (value as { model?: unknown }).model instanceof tf.LayersModel
  );
}

function validate(options: TrainOptions): void {
  const { epochs, numClasses, outDir, learningRate, checkpointEverySteps, maxSteps, microBatchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new RangeError(`train: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new RangeError(`train: numClasses must be an integer >= 2, got ${numClasses}`);
  if (typeof outDir !== 'string' || outDir === '') throw new TypeError('train: outDir must be a directory path');
  if (learningRate !== undefined && !(learningRate > 0))
    throw new RangeError(`train: learningRate must be > 0, got ${learningRate}`);
  if (checkpointEverySteps !== undefined && !(Number.isInteger(checkpointEverySteps) && checkpointEverySteps >= 0)) {
    throw new RangeError(`train: checkpointEverySteps must be an integer >= 0, got ${checkpointEverySteps}`);
  }
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps >= 0))
    throw new RangeError(`train: maxSteps must be an integer >= 0, got ${maxSteps}`);
  if (microBatchSize !== undefined && !(Number.isInteger(microBatchSize) && microBatchSize >= 1)) {
    throw new RangeError(`train: microBatchSize must be a positive integer, got ${microBatchSize}`);
  }
  if (options.classes && options.classes.length !== numClasses)
    throw new RangeError(`train: ${options.classes.length} classes given but numClasses is ${numClasses}`);
  if (!options.trainLoader || typeof options.trainLoader.batches !== 'function')
    throw new TypeError('train: trainLoader must be a DataLoader (or BatchSource)');
}

/**
 * Trains a classifier with checkpoints that resume exactly.
 *
 * Every random choice is a function of the seeds and (epoch, step): the loaders' order and
 * augmentations, and TF.js's dropout / stochastic depth (`Math.random` is seeded per step).
 * The `last` checkpoint holds the weights, the optimizer state (Adam moments and beta
 * powers), the scheduler, early-stopping and running-sum state and the history, so a run
 * stopped at any point (abort, `maxSteps`, `kill -9`) and resumed ends with the same weights
 * as an uninterrupted one. Checkpoints are replaced atomically; the `best` one is chosen by
 * validation Macro F1. A NaN/infinite loss throws {@link NonFiniteLossError} and leaves the
 * last good checkpoint in place.
 *
 * @example
 * const result = await train({
 *   model, trainLoader, validLoader, numClasses: 50, epochs: 10, outDir: 'runs/b3',
 *   optimizer: 'adam', learningRate: 1e-4, scheduler: { factor: 0.1, patience: 1 },
 * });
 * console.log(result.bestMacroF1);
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  validate(options);
  const {
    trainLoader,
    validLoader,
    numClasses,
    epochs,
    seed = 0,
    learningRate: initialLearningRate = 1e-4,
    scheduler: schedulerOptions = { mode: 'max', factor: 0.1, patience: 1 },
    earlyStopping: earlyStoppingOptions = false,
    microBatchSize,
    labelSmoothing = 0,
    resume = true,
    checkpointEverySteps = 0,
    signal,
    maxSteps,
    plots = true,
    clock = Date.now,
  } = options;
  const net = isEfficientNet(options.model) ? options.model : null;
  const model = net ? net.model : (options.model as tf.LayersModel);
  if (!(model instanceof tf.LayersModel))
    throw new TypeError('train: model must be a tf.LayersModel or an EfficientNet');
  const outDir = resolve(options.outDir);
  const store = new CheckpointStore(join(outDir, 'checkpoints'));
  await ensureDir(outDir);
  if (options.classes)
    await writeFileAtomic(
      join(outDir, 'labels.json'),
      `${JSON.stringify({ format: 'art-label-encoder', version: 1, classes: options.classes }, null, 2)}\n`,
    );

  const reporter =
    typeof options.progress === 'object' ? options.progress : createProgressReporter(options.progress ?? 'auto');
  const scheduler = schedulerOptions === false ? null : new ReduceLROnPlateau({ mode: 'max', ...schedulerOptions });
  const stopper = earlyStoppingOptions === false ? null : new EarlyStopping({ ...earlyStoppingOptions, mode: 'max' });
  // (tf.Optimizer's instanceof reads properties of its operand, so rule out non-objects first)
  const given =
    typeof options.optimizer === 'object' && options.optimizer !== null && options.optimizer instanceof tf.Optimizer
      ? options.optimizer
      : null;
  const ownsOptimizer = given === null;
  const optimizer =
    given ?? createOptimizer((options.optimizer as OptimizerSpec | undefined) ?? 'adam', initialLearningRate);
  const optimizerName = optimizer.getClassName();

  let state: TrainState = {
    format: 'art-train-state',
    version: 1,
    seed,
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    learningRate: getLearningRate(optimizer),
    scheduler: scheduler?.getState() ?? null,
    earlyStopping: stopper?.getState() ?? null,
    best: null,
    history: [],
    partial: { lossSum: 0, correct: 0, count: 0 },
    finished: null,
    config: {
      epochs,
      numClasses,
      optimizer: optimizerName,
      trainBatches: trainLoader.length,
      learningRate: getLearningRate(optimizer),
    },
  };
  let checkpoints: Awaited<ReturnType<CheckpointStore['latest']>> = null;
  const writeDerived = async (): Promise<void> => {
    await writeHistory(outDir, state.history);
    if (plots && state.history.length > 0)
      await writeTrainingPlots(
        outDir,
        state.history,
        state.best?.confusionMatrix ?? null,
        options.classes ?? null,
        numClasses,
      );
  };

  try {
    checkpoints = resume ? await store.recover() : null;
    // Temp files of a write a crash interrupted (history, plots, labels) are garbage.
    for (const dir of [outDir, join(outDir, 'plots')]) await removeAtomicTemps(dir);
    if (checkpoints) {
      const existing = checkpoints.last;
      const saved = await loadCheckpoint<TrainState>(existing, { model, optimizer });
      if (saved?.format !== 'art-train-state')
        throw new Error(`train: ${existing} has no training state (state.json); delete it or pass resume: false`);
      if (saved.config.numClasses !== numClasses)
        throw new Error(
          `train: checkpoint ${existing} was trained with ${saved.config.numClasses} classes, this run has ${numClasses}`,
        );
      if (saved.seed !== seed)
        throw new Error(
          `train: checkpoint ${existing} was trained with seed ${saved.seed}, this run has seed ${seed}; use the same seed to resume (or pass resume: false)`,
        );
      if (saved.batchInEpoch > 0 && saved.config.trainBatches !== trainLoader.length) {
        throw new Error(
          `train: checkpoint ${existing} stopped inside an epoch of ${saved.config.trainBatches} ` +
            `batches, but the training loader now has ${trainLoader.length}; ` +
            'resume with the same data and batch size (or pass resume: false)',
        );
      }
      const savedRate = saved.config.learningRate;
      if (options.learningRate !== undefined && savedRate !== undefined && options.learningRate !== savedRate) {
        throw new ResumeMismatchError(
          'learningRate',
          options.learningRate,
          savedRate,
          existing,
          ` (now at ${saved.learningRate})`,
        );
      }
      state = { ...saved, config: { ...saved.config, epochs, trainBatches: trainLoader.length } };
      if (saved.finished === 'completed' && saved.epoch < epochs) state.finished = null; // more epochs asked for
      if (saved.finished === 'aborted' || saved.finished === 'max-steps') state.finished = null;
      setLearningRate(optimizer, state.learningRate);
      if (scheduler && state.scheduler) scheduler.setState(state.scheduler);
      if (stopper && state.earlyStopping) stopper.setState(state.earlyStopping);
      reporter.log(
        `resuming from ${existing}: epoch ${state.epoch + 1}, batch ${state.batchInEpoch}, step ${state.step}`,
      );
      // Derived files are rebuilt from the state: a crash after the checkpoint but before them loses nothing.
      await writeDerived();
    }

    const snapshot = (): TrainState => ({
      ...state,
      learningRate: getLearningRate(optimizer),
      scheduler: scheduler?.getState() ?? null,
      earlyStopping: stopper?.getState() ?? null,
    });
    const exportSafetensors = (): Uint8Array | undefined => (net ? exportTorchvisionWeights(net) : undefined);
    const saveCheckpoint = async (best = false): Promise<void> => {
      const safetensors = exportSafetensors();
      await store.save(
        { model, optimizer, state: snapshot(), ...(safetensors ? { safetensors } : {}) },
        { step: state.step, best },
      );
      checkpoints = await store.latest();
    };

    // Training accuracy comes from the logits the loss already computes (no second forward pass).
    let correctInStep = 0;
    const lossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
      const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(yPred, -1), tf.argMax(yTrue, -1)), 'int32')));
      correctInStep += hits.dataSync()[0]!;
      hits.dispose();
      return tf.losses.softmaxCrossEntropy(yTrue, yPred, undefined, labelSmoothing) as tf.Scalar;
    };
    const trainStep = createTrainStep({
      model,
      optimizer,
      loss: lossFunction,
      ...(microBatchSize ? { microBatchSize } : {}),
    });

    let stopReason: StopReason | null = state.finished;
    while (stopReason === null && state.epoch < epochs) {
      const epoch = state.epoch;
      const started = clock();
      reporter.epochStart(epoch, epochs, trainLoader.length, state.batchInEpoch);
      let interrupted: StopReason | null = null;
      for await (const batch of trainLoader.batches(epoch, { startBatch: state.batchInEpoch })) {
        if (signal?.aborted || (maxSteps !== undefined && state.step >= maxSteps)) {
          batch.x.dispose();
          interrupted = signal?.aborted ? 'aborted' : 'max-steps';
          break;
        }
        if (!batch.labels) {
          batch.x.dispose();
          throw new Error('train: the training loader has no labels');
        }
        const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels!, 'int32'), numClasses).toFloat());
        correctInStep = 0;
        let loss: number;
        try {
          loss = await withSeededRandom(mixSeeds(seed, state.step, 0x7a11), () => trainStep(batch.x, y));
        } finally {
          batch.x.dispose();
          y.dispose();
        }
        if (!Number.isFinite(loss))
          throw new NonFiniteLossError(
            loss,
            epoch + 1,
            state.step + 1,
            checkpoints?.last ?? null,
            getLearningRate(optimizer),
          );
        const n = batch.indices.length;
        state.partial = {
          lossSum: state.partial.lossSum + loss * n,
          correct: state.partial.correct + correctInStep,
          count: state.partial.count + n,
        };
        state.step++;
        state.batchInEpoch++;
        reporter.batch(state.batchInEpoch, {
          loss: state.partial.lossSum / state.partial.count,
          accuracy: state.partial.correct / state.partial.count,
          learningRate: getLearningRate(optimizer),
        });
        if (
          checkpointEverySteps > 0 &&
          state.step % checkpointEverySteps === 0 &&
          state.batchInEpoch < trainLoader.length
        )
          await saveCheckpoint();
      }
      if (
        interrupted === null &&
        (signal?.aborted || (maxSteps !== undefined && state.step >= maxSteps)) &&
        state.batchInEpoch < trainLoader.length
      ) {
        interrupted = signal?.aborted ? 'aborted' : 'max-steps';
      }
      if (interrupted !== null) {
        await saveCheckpoint();
        reporter.log(
          `stopped (${interrupted}) at epoch ${epoch + 1}, batch ${state.batchInEpoch}, step ${state.step}; state saved to ${checkpoints?.last}`,
        );
        stopReason = interrupted;
        break;
      }

      // End of epoch: validate, schedule, record, checkpoint.
      const validation = validLoader
        ? await evaluate(model, validLoader, { numClasses, epoch: 0 }).catch((error: unknown) => {
            // Weights gone NaN make the predictions NaN: that is divergence, not a metrics bug.
            if (error instanceof NonFinitePredictionsError)
              throw new NonFiniteLossError(
                NaN,
                epoch + 1,
                state.step,
                checkpoints?.last ?? null,
                getLearningRate(optimizer),
                'validation',
              );
            throw error;
          })
        : null;
      const learningRate = getLearningRate(optimizer);
      const record: EpochRecord = {
        epoch: epoch + 1,
        step: state.step,
        learningRate,
        trainLoss: state.partial.lossSum / Math.max(1, state.partial.count),
        trainAccuracy: state.partial.correct / Math.max(1, state.partial.count),
        validLoss: validation?.loss ?? null,
        validAccuracy: validation?.accuracy ?? null,
        validMacroF1: validation?.macroF1 ?? null,
        seconds: (clock() - started) / 1000,
      };
      state.history = [...state.history, record];
      let improved = false;
      if (validation) {
        if (state.best === null || validation.macroF1 > state.best.macroF1) {
          state.best = { macroF1: validation.macroF1, epoch: epoch + 1, confusionMatrix: validation.confusionMatrix };
          improved = true;
        }
        if (scheduler) {
          const next = scheduler.step(validation.macroF1, learningRate);
          if (next !== learningRate) {
            setLearningRate(optimizer, next);
            reporter.log(
              `ReduceLROnPlateau: learning rate ${learningRate.toExponential(2)} → ${next.toExponential(2)}`,
            );
          }
        }
      }
      const stop = validation && stopper ? stopper.step(validation.macroF1, epoch) : false;
      state.epoch = epoch + 1;
      state.batchInEpoch = 0;
      state.partial = { lossSum: 0, correct: 0, count: 0 };
      if (stop) state.finished = 'early-stopping';
      else if (state.epoch >= epochs) state.finished = 'completed';
      // One folder is both `last` and (when improved) `best`; the history and plots follow it.
      await saveCheckpoint(improved);
      await writeDerived();
      reporter.epochEnd(
        `epoch ${epoch + 1}/${epochs} loss ${record.trainLoss.toFixed(4)} acc ${record.trainAccuracy.toFixed(3)}` +
          (validation
            ? ` | val loss ${validation.loss.toFixed(4)} acc ${validation.accuracy.toFixed(3)} ` +
              `macro-F1 ${validation.macroF1.toFixed(4)}${improved ? ' (best)' : ''}`
            : '') +
          ` | ${record.seconds.toFixed(1)}s`,
      );
      await options.onEpochEnd?.(record, validation);
      if (state.finished) stopReason = state.finished;
    }
    const finalReason: StopReason = stopReason ?? 'completed';
    if (options.restoreBestWeights && state.best && (finalReason === 'completed' || finalReason === 'early-stopping')) {
      if (checkpoints?.best) await loadCheckpoint(checkpoints.best, { model });
    }
    return {
      history: state.history,
      bestEpoch: state.best?.epoch ?? null,
      bestMacroF1: state.best?.macroF1 ?? null,
      stopReason: finalReason,
      step: state.step,
      learningRate: state.config.learningRate ?? initialLearningRate,
      finalLearningRate: getLearningRate(optimizer),
      outDir,
      lastCheckpoint: checkpoints?.last ?? null,
      bestCheckpoint: checkpoints?.best ?? null,
    };
  } finally {
    reporter.close();
    if (ownsOptimizer) optimizer.dispose();
  }
}

/**
 * Writes `plots/learning-curves.{svg,png}` and, when known, `plots/confusion-matrix.{svg,png}`.
 * @example
 * await writeTrainingPlots('runs/b3', result.history, null, classes, classes.length);
 */
export async function writeTrainingPlots(
  outDir: string,
  history: readonly EpochRecord[],
  confusionMatrix: number[][] | null,
  classes: readonly string[] | null,
  numClasses: number,
): Promise<void> {
  const dir = join(outDir, 'plots');
  await writePlot(dir, 'learning-curves', learningCurvesSpec(history));
  if (confusionMatrix && confusionMatrix.length > 0) {
    const names = classes ?? Array.from({ length: numClasses }, (_, i) => String(i));
    await writePlot(dir, 'confusion-matrix', confusionMatrixSpec(confusionMatrix, names));
  }
}
