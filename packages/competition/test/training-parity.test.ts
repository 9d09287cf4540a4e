import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainStep } from '@art/backend';
import {
  buildEfficientNet,
  efficientNetConfig,
  loadTorchvisionWeights,
  readSafetensors,
  toTorchLayout,
  torchvisionParameters,
  torchvisionStateDict,
  withKeepMasks,
  withMultipliers,
  type EfficientNet,
  type EfficientNetConfig,
  type EfficientNetHead,
  type SafeTensor,
  type StageSetting,
} from '@art/efficientnet';
import { createOptimizer, ReduceLROnPlateau, type OptimizerSpec, type ReduceLROnPlateauOptions } from '../src/index.js';

/**
 * Step parity with PyTorch: the seed's code (torchvision EfficientNet + seed or pyramid head,
 * CrossEntropyLoss, torch.optim.Adam / SGD, model.train()) run by
 * scripts/make-training-parity-fixtures.py from the same initial weights on the same batch,
 * against @art's training step (createOptimizer + @art/backend createTrainStep + the
 * efficientnet layers). Losses of every step, step-1 gradients, weights and BatchNorm running
 * statistics after step 3 must agree within float32 noise.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures', 'training-parity');

interface ModelEntry {
  head: EfficientNetHead;
  parameters: number;
  config: {
    variant?: 'b0';
    widthMultiplier?: number;
    depthMultiplier?: number;
    stages?: [string, number, number, number, number, number, number][];
    lastChannels: number;
    batchNorm?: { epsilon: number; momentum: number };
  };
}
interface Scenario {
  name: string;
  model: string;
  optimizer: { name: 'adam'; lr: number } | { name: 'sgd'; lr: number; momentum: number };
  recordGradients?: boolean;
  masks?: boolean;
  microBatchSize?: number;
  dropouts?: { dropout?: number; head_dropout?: number; stochastic_depth?: number };
}
interface Manifest {
  batch: number;
  size: number;
  numClasses: number;
  steps: number;
  models: Record<string, ModelEntry>;
  scenarios: Scenario[];
  plateau: {
    initialLearningRate: number;
    cases: { options: Record<string, number | string>; scores: (number | null)[]; learningRates: number[] }[];
  };
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;
const fixtureCache = new Map<string, ReadonlyMap<string, SafeTensor>>();
/** A fixture file's tensors, read once (every scenario reads its model's and its own file several times). */
function readFixture(name: string): ReadonlyMap<string, SafeTensor> {
  let tensors = fixtureCache.get(name);
  if (!tensors) {
    tensors = readSafetensors(new Uint8Array(readFileSync(join(FIXTURES, name)))).tensors;
    fixtureCache.set(name, tensors);
  }
  return tensors;
}

/** The entries of `tensors` under `prefix/`, prefix removed. */
function section(tensors: ReadonlyMap<string, SafeTensor>, prefix: string): Map<string, SafeTensor> {
  const result = new Map<string, SafeTensor>();
  for (const [key, value] of tensors) if (key.startsWith(`${prefix}/`)) result.set(key.slice(prefix.length + 1), value);
  return result;
}

function configOf(entry: ModelEntry, name: string, dropout: number, stochasticDepthProb: number): EfficientNetConfig {
  const c = entry.config;
  if (c.variant) {
    const base = withMultipliers(efficientNetConfig(c.variant), c.widthMultiplier!, c.depthMultiplier!, name);
    return { ...base, lastChannels: c.lastChannels, dropout, stochasticDepthProb };
  }
  const stages: StageSetting[] = c.stages!.map(
    ([block, expandRatio, kernelSize, stride, inputChannels, outputChannels, numLayers]) => ({
      block: block as StageSetting['block'],
      expandRatio,
      kernelSize,
      stride,
      inputChannels,
      outputChannels,
      numLayers,
    }),
  );
  return {
    name,
    stages,
    widthMultiplier: 1,
    depthMultiplier: 1,
    lastChannels: c.lastChannels,
    batchNorm: c.batchNorm!,
    dropout,
    stochasticDepthProb,
  };
}

/** The scenario's network with the fixture's initial weights. */
function buildNetwork(scenario: Scenario): EfficientNet {
  const entry = manifest.models[scenario.model]!;
  const { dropout = 0, head_dropout: headDropout = 0, stochastic_depth: stochasticDepth = 0 } = scenario.dropouts ?? {};
  const net = buildEfficientNet(configOf(entry, scenario.model, dropout, stochasticDepth), {
    numClasses: manifest.numClasses,
    inputSize: manifest.size,
    head: entry.head,
    headDropout,
    initializer: 'zeros',
  });
  expect(net.countParameters()).toBe(entry.parameters);
  loadTorchvisionWeights(net, {
    tensors: section(readFixture(`${scenario.model}.init.safetensors`), 'init'),
    metadata: {},
  });
  return net;
}

function batchOf(model: string): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const init = readFixture(`${model}.init.safetensors`);
  const input = init.get('input')!;
  const labels = Array.from(init.get('labels')!.data as BigInt64Array, Number);
  return tf.tidy(() => ({
    x: tf.transpose(
      tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number]),
      [0, 2, 3, 1],
    ) as tf.Tensor4D,
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), manifest.numClasses).toFloat() as tf.Tensor2D,
  }));
}

/** Keep masks of one step, by layer name, from the fixture (PyTorch's Bernoulli draws). */
function maskSource(reference: ReadonlyMap<string, SafeTensor>, step: number, used: Set<string>) {
  return ({ layer, shape }: { layer: string; shape: readonly number[] }) => {
    const key = `mask/${step}/${layer}`;
    const mask = reference.get(key);
    if (!mask) throw new Error(`the fixture has no mask ${key}: PyTorch applied no such layer at this step`);
    used.add(key);
    return tf.tensor(mask.data as Float32Array, [...shape]);
  };
}

/**
 * BatchNorm shifts that feed straight into another training-mode BatchNorm (the projection
 * BN of every block: its output goes through a 1x1 conv to the next BN, whose mean subtraction
 * removes any per-channel shift). Their exact gradient is 0, so both frameworks compute float
 * noise there (1e-9 of the largest gradient), and Adam, which divides by sqrt(v) + eps, turns
 * noise into steps of up to ±lr. These are checked for a zero gradient and steps within that
 * bound instead of elementwise.
 */
const zeroGradientCache = new Map<string, Set<string>>();
/** The BatchNorm shifts whose PyTorch step-1 gradient is 0 up to float noise (< 1e-6 of the largest). */
function zeroGradientKeys(model: string): Set<string> {
  let keys = zeroGradientCache.get(model);
  if (!keys) {
    const recorded = manifest.scenarios.find((s) => s.model === model && s.recordGradients && !s.masks)!;
    const gradients = section(readFixture(`${recorded.name}.safetensors`), 'grad');
    const scale = Math.max(...[...gradients.values()].map((t) => maxAbs(t.data as Float32Array)));
    keys = new Set([...gradients].filter(([, t]) => maxAbs(t.data as Float32Array) < 1e-6 * scale).map(([key]) => key));
    zeroGradientCache.set(model, keys);
  }
  return keys;
}

const maxAbs = (values: ArrayLike<number>): number => {
  let max = 0;
  for (let i = 0; i < values.length; i += 1) max = Math.max(max, Math.abs(values[i]!));
  return max;
};
const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

/** max|ours - ref| / max(max|ref|, floor), over one tensor. */
function relativeError(ours: Float32Array | number[], ref: Float32Array, floor = 1e-6): number {
  let error = 0;
  let scale = floor;
  for (let i = 0; i < ref.length; i += 1) {
    error = Math.max(error, Math.abs(ours[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return error / scale;
}

function optimizerSpec(scenario: Scenario): OptimizerSpec {
  return scenario.optimizer.name === 'adam' ? 'adam' : { name: 'sgd', momentum: scenario.optimizer.momentum };
}

/** Step-1 gradients in PyTorch layout, by state_dict key. */
function gradientsOf(net: EfficientNet, x: tf.Tensor, y: tf.Tensor): Map<string, Float32Array> {
  const parameters = torchvisionParameters(net).filter((p) => p.variable?.trainable);
  const variables = parameters.map((p) => p.variable!.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, net.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    variables,
  );
  value.dispose();
  const result = new Map<string, Float32Array>();
  for (const parameter of parameters) {
    const grad = toTorchLayout(grads[(parameter.variable!.read() as tf.Variable).name]!, parameter.layout);
    result.set(parameter.key, grad.dataSync() as Float32Array);
    grad.dispose();
  }
  tf.dispose(grads);
  return result;
}

interface ScenarioResult {
  losses: number[];
  gradients: Map<string, Float32Array> | null;
  final: Map<string, Float32Array>;
  masksUsed: Set<string>;
}

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const reference = readFixture(`${scenario.name}.safetensors`);
  const net = buildNetwork(scenario);
  const { x, y } = batchOf(scenario.model);
  const optimizer = createOptimizer(optimizerSpec(scenario), scenario.optimizer.lr);
  const step = createTrainStep({
    model: net.model,
    optimizer,
    loss: 'softmaxCrossEntropy',
    ...(scenario.microBatchSize ? { microBatchSize: scenario.microBatchSize } : {}),
  });
  const masksUsed = new Set<string>();
  const withMasks = <T>(stepIndex: number, fn: () => T): T =>
    scenario.masks ? withKeepMasks(maskSource(reference, stepIndex, masksUsed), fn) : fn();
  let gradients: Map<string, Float32Array> | null = null;
  const losses: number[] = [];
  try {
    if (scenario.recordGradients) {
      // On a twin network: the extra training-mode forward would move the running statistics.
      const twin = buildNetwork(scenario);
      gradients = withMasks(0, () => gradientsOf(twin, x, y));
      twin.dispose();
    }
    for (let i = 0; i < manifest.steps; i += 1) {
      // createTrainStep runs every forward pass before its first await, inside the mask scope.
      losses.push(await withMasks(i, () => step(x, y)));
    }
    const final = new Map(
      [...torchvisionStateDict(net)]
        .filter(([key]) => !key.endsWith('num_batches_tracked'))
        .map(([key, t]) => [key, t.data as Float32Array]),
    );
    return { losses, gradients, final, masksUsed };
  } finally {
    optimizer.dispose();
    tf.dispose([x, y]);
    net.dispose();
  }
}

/** Worst disagreements of one scenario (see the tolerances in the test). */
interface Disagreement {
  /** max over steps of |loss - ref| / |ref|. */
  loss: number;
  /** max over tensors of max|grad - ref| / max|ref|, zero-gradient tensors excepted. */
  gradient: number;
  /** The same for the weights after the last step. */
  weight: number;
  /** Fraction of weight elements (all tensors) off by more than 1e-4 of their tensor's scale and 1 % of lr. */
  weightOutliers: number;
  /** max |w - ref| / lr over all weight elements. */
  weightStepsOff: number;
  /** max over BatchNorms of max|running_var - ref| / max|ref|. */
  runningVar: number;
  /** max over BatchNorms of max|running_mean - ref| / sqrt(max running_var): a mean error relative to the spread it is subtracted from. */
  runningMean: number;
  /** Zero-gradient tensors: max|grad| on either side / the largest gradient of the model. */
  zeroGradient: number;
  /** Zero-gradient tensors: max |w - ref| / lr. */
  zeroGradientStepsOff: number;
}

function compare(scenario: Scenario, result: ScenarioResult): Disagreement {
  const reference = readFixture(`${scenario.name}.safetensors`);
  const referenceLosses = Array.from(reference.get('loss')!.data as Float32Array);
  const worst: Disagreement = {
    loss: 0,
    gradient: 0,
    weight: 0,
    weightOutliers: 0,
    weightStepsOff: 0,
    runningVar: 0,
    runningMean: 0,
    zeroGradient: 0,
    zeroGradientStepsOff: 0,
  };
  result.losses.forEach(
    (loss, i) =>
      (worst.loss = Math.max(worst.loss, Math.abs(loss - referenceLosses[i]!) / Math.abs(referenceLosses[i]!))),
  );
  const zeroGradient = zeroGradientKeys(scenario.model);
  const refGradients = section(reference, 'grad');
  if (scenario.recordGradients) {
    expect([...result.gradients!.keys()].sort()).toEqual([...refGradients.keys()].sort());
    const scale = Math.max(...[...refGradients.values()].map((t) => maxAbs(t.data as Float32Array)));
    for (const [key, ref] of refGradients) {
      const ours = result.gradients!.get(key)!;
      if (zeroGradient.has(key))
        worst.zeroGradient = Math.max(
          worst.zeroGradient,
          maxAbs(ours) / scale,
          maxAbs(ref.data as Float32Array) / scale,
        );
      else worst.gradient = Math.max(worst.gradient, relativeError(ours, ref.data as Float32Array));
    }
  }
  const refFinal = section(reference, 'final');
  expect([...result.final.keys()].sort()).toEqual([...refFinal.keys()].sort());
  let outliers = 0;
  let elements = 0;
  for (const [key, refTensor] of refFinal) {
    const ours = result.final.get(key)!;
    const ref = refTensor.data as Float32Array;
    if (key.endsWith('.running_var')) {
      worst.runningVar = Math.max(worst.runningVar, relativeError(ours, ref));
    } else if (key.endsWith('.running_mean')) {
      const spread = Math.sqrt(maxAbs(refFinal.get(key.replace(/mean$/, 'var'))!.data as Float32Array));
      worst.runningMean = Math.max(worst.runningMean, maxAbsDifference(ours, ref) / spread);
    } else if (zeroGradient.has(key)) {
      worst.zeroGradientStepsOff = Math.max(
        worst.zeroGradientStepsOff,
        maxAbsDifference(ours, ref) / scenario.optimizer.lr,
      );
    } else {
      worst.weight = Math.max(worst.weight, relativeError(ours, ref));
      worst.weightStepsOff = Math.max(worst.weightStepsOff, maxAbsDifference(ours, ref) / scenario.optimizer.lr);
      // Off by more than float32 noise: 1e-4 of the tensor's scale and 1 % of one Adam step
      // (biases start at 0 and move by a few lr, so their own scale is a few lr).
      const bound = Math.max(1e-4 * maxAbs(ref), 0.01 * scenario.optimizer.lr);
      for (let i = 0; i < ref.length; i += 1) if (Math.abs(ours[i]! - ref[i]!) > bound) outliers += 1;
      elements += ref.length;
    }
  }
  worst.weightOutliers = outliers / elements;
  if (scenario.masks)
    expect([...result.masksUsed].sort()).toEqual([...reference.keys()].filter((k) => k.startsWith('mask/')).sort());
  return worst;
}

// wasm (the backend @art trains on without tfjs-node, with @art/backend's kernels) runs every
// scenario; TF.js's plain cpu backend is 20x slower at these convolutions, so it runs two.
const CPU_SCENARIOS = new Set(['b0-seed-adam', 'b0-seed-sgd']);

describe.each(['wasm', 'cpu'] as const)('training steps equal PyTorch on the %s backend', (backend) => {
  beforeAll(async () => {
    if (backend === 'wasm') {
      const { initBackend } = await import('@art/backend');
      await initBackend({ backend: 'wasm' });
    } else {
      await tf.setBackend('cpu');
    }
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  const scenarios = manifest.scenarios.filter((s) => backend === 'wasm' || CPU_SCENARIOS.has(s.name));
  it.each(scenarios.map((s) => [s.name, s] as const))(
    '%s: losses, step-1 gradients, weights and running statistics after 3 steps',
    async (_, scenario) => {
      const before = tf.memory().numTensors;
      const result = await runScenario(scenario);
      expect(tf.memory().numTensors).toBe(before);
      const worst = compare(scenario, result);
      // Losses and step-1 gradients: float32 sums in another order, 1e-5 / 1e-4 relative.
      expect(worst.loss).toBeLessThan(1e-5);
      expect(worst.gradient).toBeLessThan(1e-4);
      expect(worst.runningVar).toBeLessThan(1e-4);
      // The zero-gradient shifts (see zeroGradientKeys): float noise on both sides.
      expect(worst.zeroGradient).toBeLessThan(1e-6);
      if (scenario.optimizer.name === 'sgd') {
        // SGD steps by lr * grad: the noise stays noise, so everything agrees to 1e-4.
        expect(worst.weight).toBeLessThan(1e-4);
        expect(worst.runningMean).toBeLessThan(1e-4);
        expect(worst.zeroGradientStepsOff).toBeLessThan(1e-3);
      } else {
        // Adam steps by about lr * sign(grad) wherever |grad| >> eps, so an element whose gradient is
        // at the noise level (the zero-gradient shifts, a few others) may step differently by up to
        // 2 lr per step. All other elements agree to 1e-4 of their tensor's scale, and the running
        // means move with the shifts that pass into the next BatchNorm (1e-3 of its input's spread).
        expect(worst.weightOutliers).toBeLessThan(1e-4);
        expect(worst.weightStepsOff).toBeLessThan(0.5);
        expect(worst.zeroGradientStepsOff).toBeLessThanOrEqual(2 * manifest.steps);
        expect(worst.runningMean).toBeLessThan(1e-3);
      }
    },
    180_000,
  );
});

describe('ReduceLROnPlateau equals torch.optim.lr_scheduler.ReduceLROnPlateau', () => {
  it.each(manifest.plateau.cases.map((c, i) => [i, c] as const))(
    'case %i: the learning rate after every epoch',
    (_, testCase) => {
      const o = testCase.options;
      const options: ReduceLROnPlateauOptions = {
        mode: o.mode as 'max' | 'min',
        factor: o.factor as number,
        patience: o.patience as number,
        ...(o.threshold !== undefined ? { threshold: o.threshold as number } : {}),
        ...(o.threshold_mode !== undefined ? { thresholdMode: o.threshold_mode as 'rel' | 'abs' } : {}),
        ...(o.cooldown !== undefined ? { cooldown: o.cooldown as number } : {}),
        ...(o.min_lr !== undefined ? { minLr: o.min_lr as number } : {}),
      };
      const scheduler = new ReduceLROnPlateau(options);
      let learningRate = manifest.plateau.initialLearningRate;
      const rates = testCase.scores.map((score) => (learningRate = scheduler.step(score ?? Number.NaN, learningRate)));
      rates.forEach((rate, i) => expect(rate).toBeCloseTo(testCase.learningRates[i]!, 15));
    },
  );
});

describe('gradient accumulation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('micro-batches of 1 and 2 give the same update as one batch of 4 without BatchNorm (within float32 noise)', async () => {
    const build = () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 3],
            filters: 4,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: tf.initializers.randomNormal({ seed: 1 }),
          }),
          tf.layers.globalAveragePooling2d({}),
          tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }),
        ],
      });
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3).toFloat();
    const weightsAfter = async (microBatchSize: number | undefined) => {
      const model = build();
      const optimizer = createOptimizer('adam', 1e-2);
      const step = createTrainStep({
        model,
        optimizer,
        loss: 'softmaxCrossEntropy',
        ...(microBatchSize ? { microBatchSize } : {}),
      });
      const losses = [await step(x, y), await step(x, y)];
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      optimizer.dispose();
      model.dispose();
      return { losses, weights };
    };
    const whole = await weightsAfter(undefined);
    for (const micro of [1, 2]) {
      const accumulated = await weightsAfter(micro);
      accumulated.losses.forEach((loss, i) => expect(loss).toBeCloseTo(whole.losses[i]!, 6));
      accumulated.weights.forEach((w, i) =>
        expect(relativeError(w, new Float32Array(whole.weights[i]!))).toBeLessThan(1e-5),
      );
    }
    tf.dispose([x, y]);
  });
});
