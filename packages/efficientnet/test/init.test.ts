import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  efficientNet,
  torchvisionParameters,
  toTorchLayout,
  type EfficientNetHead,
  type VariantName,
} from '../src/index.js';

/**
 * Initialisation as PyTorch initialises the seed's code: every tensor's count, bounds, mean and
 * std against PyTorch's (scripts/make-init-statistics.py), for every variant with the seed head,
 * and B0 with the pyramid head and with torchvision's own head.
 */
type Row = [key: string, count: number, min: number, max: number, mean: number, std: number];
const statistics = JSON.parse(
  readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/init-statistics.json'), 'utf8'),
) as {
  classes: number;
  models: { variant: VariantName; head: EfficientNetHead; tensors: Row[] }[];
};

function summarise(values: Float32Array): { min: number; max: number; mean: number; std: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i += 1) squares += (values[i]! - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(squares / values.length) };
}

/**
 * Problems of one tensor. Two samples of the same distribution: constant tensors (BatchNorm,
 * zero biases) equal exactly; otherwise the std agrees within 6 standard errors, the mean is
 * within 6 standard errors of a mean of the distribution's mean, 0 (every random init here is
 * symmetric; PyTorch's recorded mean is checked to be too), and the extremes as a sample's
 * (uniform: inside the same bound, near it; normal: about sqrt(2 ln 2n) standard deviations).
 * The mean is held against 0, not against PyTorch's own sample mean: that difference of two
 * samples has sqrt(2) times the spread, so over the fixture's 2,245 random tensors a correct
 * generator failed 6 of its standard errors about once in 20 streams.
 */
function problems(row: Row, ours: ReturnType<typeof summarise>, uniform: boolean): string[] {
  const [key, count, min, max, mean, std] = row;
  const found: string[] = [];
  if (std === 0) {
    if (ours.std !== 0 || ours.min !== min || ours.max !== max)
      found.push(`${key}: PyTorch's is constant ${min}, ours spans [${ours.min}, ${ours.max}]`);
    return found;
  }
  const stdError = 6 / Math.sqrt(2 * count) + 1e-3;
  if (!(Math.abs(ours.std / std - 1) <= stdError)) found.push(`${key}: std ${ours.std} vs PyTorch ${std}`);
  const meanError = (6 * Math.max(std, ours.std)) / Math.sqrt(count) + 1e-7;
  if (!(Math.abs(mean) <= meanError))
    found.push(`${key}: PyTorch's mean ${mean} is not about 0; compare with its distribution's mean instead`);
  if (!(Math.abs(ours.mean) <= meanError))
    found.push(`${key}: mean ${ours.mean}, expected 0 ± ${meanError} (PyTorch ${mean})`);
  const bound = Math.max(-min, max);
  const oursBound = Math.max(-ours.min, ours.max);
  if (uniform) {
    // Uniform (Linear weights and biases; its range is std * sqrt(3)): inside the same bound, near it.
    if (oursBound > std * Math.sqrt(3) * (1 + stdError))
      found.push(`${key}: bound ${oursBound} beyond PyTorch's U(±${bound})`);
    if (!(Math.abs(oursBound / bound - 1) <= 12 / count + 1e-4))
      found.push(`${key}: largest |value| ${oursBound} vs PyTorch ${bound}`);
  } else {
    // Normal: the largest |value| of n draws is about sqrt(2 ln 2n) standard deviations.
    const z = Math.sqrt(2 * Math.log(2 * count));
    const oursZ = oursBound / ours.std;
    if (!(oursZ >= 0.6 * z && oursZ <= 1.6 * z + 1))
      found.push(
        `${key}: largest |value| ${oursZ.toFixed(2)} std, expected about ${z.toFixed(2)} (PyTorch ${(bound / std).toFixed(2)})`,
      );
  }
  return found;
}

describe('initialisation equals PyTorch (torchvision backbone, nn.Linear default for the heads @art adds)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(statistics.models.map((m) => [`${m.variant} with the ${m.head} head`, m] as const))(
    '%s: every tensor',
    (_, model) => {
      const before = tf.memory().numTensors;
      const net = efficientNet(model.variant, { numClasses: statistics.classes, head: model.head, seed: 3 });
      const parameters = new Map(torchvisionParameters(net).map((p) => [p.key, p]));
      expect([...parameters.keys()].filter((k) => !k.endsWith('num_batches_tracked')).sort()).toEqual(
        model.tensors.map((row) => row[0]).sort(),
      );
      const found: string[] = [];
      for (const row of model.tensors) {
        const parameter = parameters.get(row[0])!;
        const tensor = toTorchLayout(parameter.variable!.read(), parameter.layout);
        const values = tensor.dataSync() as Float32Array;
        tensor.dispose();
        expect(values.length).toBe(row[1]);
        // Linear layers are drawn uniformly (torchvision's classifier and nn.Linear alike), convolutions normally.
        found.push(...problems(row, summarise(values), parameter.layout === 'linear' || row[0].endsWith('.bias')));
      }
      net.dispose();
      expect(found).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    },
    120_000,
  );
});
