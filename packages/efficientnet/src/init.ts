import * as tf from '@tensorflow/tfjs';
import type { EfficientNet } from './efficientnet.js';
import { splitMix32State, Xoshiro128StarStar } from '../../../internal/rng.js';
import { torchvisionParameters } from './weights/torchvision.js';

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

let cachedTable: Float32Array | undefined;
/**
 * 2^20 equiprobable normal quantiles: drawing a uniform index gives a discretised N(0, 1)
 * (exact to the table's resolution) at the cost of one integer draw, which matters for the
 * 100M+ weights of the large variants.
 */
function normalTable(): Float32Array {
  if (!cachedTable) {
    const size = 1 << 20;
    cachedTable = new Float32Array(size);
    for (let k = 0; k < size; k += 1) cachedTable[k] = normalQuantile((k + 0.5) / size);
  }
  return cachedTable;
}

/** Modules whose init torchvision's `EfficientNet.__init__` sets; every other module keeps PyTorch's default. */
const TORCHVISION_MODULES = /^(features|classifier)\./;

/** PyTorch's default `nn.Linear` / `nn.Conv2d` bound for weights and biases: kaiming_uniform(a=√5) = 1/√fan_in. */
const defaultBound = (weightShape: readonly number[]): number =>
  1 / Math.sqrt(weightShape.slice(1).reduce((a, b) => a * b, 1));

/**
 * Re-initialises every weight as PyTorch initialises the seed's code, seeded.
 *
 * The torchvision modules (`features.*`, `classifier.*`) get torchvision's scheme (`E:331-342`):
 * conv kernels `N(0, 2 / fan_out)` with torch's fan_out (`out * kh * kw`, depthwise
 * `C * kh * kw`), conv/linear biases 0, BatchNorm gamma 1, beta 0, running mean 0, var 1, Linear
 * `U(-1/sqrt(out), 1/sqrt(out))`. Modules the toolkit adds on top (the seed and pyramid heads,
 * `head.*`) get what `nn.Linear` / `nn.Conv2d` give by default, since the seed's code creates
 * them after torchvision's init: weight and bias `U(-1/sqrt(in), 1/sqrt(in))`.
 * Much faster than TF.js's own random initializers (a V2-L takes about a second instead of many).
 *
 * @param seed default 0.
 * @example
 * initializeTorchvisionWeights(net, 42);
 */
export function initializeTorchvisionWeights(net: EfficientNet | tf.LayersModel, seed = 0): void {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer; got ${String(seed)}`);
  const table = normalTable();
  const mask = table.length - 1;
  // The @art generator (internal/rng.ts), seeded as @art/augment's `createRng(seed)`.
  const generator = new Xoshiro128StarStar(splitMix32State(seed));
  const uniform = (values: Float32Array, bound: number): void => {
    for (let i = 0; i < values.length; i += 1) values[i] = (2 * (generator.nextUint32() / 4294967296) - 1) * bound;
  };
  const parameters = torchvisionParameters(net);
  const shapeOf = new Map(parameters.map((p) => [p.key, p.shape]));
  for (const parameter of parameters) {
    const variable = parameter.variable;
    if (!variable) continue;
    const count = parameter.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    const name = variable.originalName;
    const torchvisionModule = TORCHVISION_MODULES.test(parameter.key);
    if (
      !torchvisionModule &&
      (parameter.layout === 'conv' || parameter.layout === 'depthwise' || parameter.layout === 'linear')
    ) {
      uniform(values, defaultBound(parameter.shape));
    } else if (
      !torchvisionModule &&
      parameter.key.endsWith('.bias') &&
      shapeOf.has(parameter.key.replace(/bias$/, 'weight')) &&
      !/\/beta$/.test(name)
    ) {
      uniform(values, defaultBound(shapeOf.get(parameter.key.replace(/bias$/, 'weight'))!));
    } else if (parameter.layout === 'conv' || parameter.layout === 'depthwise') {
      const [out, , kh, kw] = parameter.shape as [number, number, number, number];
      const std = Math.sqrt(2 / (out * kh * kw));
      for (let i = 0; i < count; i += 1) values[i] = table[generator.nextUint32() & mask]! * std;
    } else if (parameter.layout === 'linear') {
      uniform(values, 1 / Math.sqrt(parameter.shape[0]!));
    } else if (/\/(gamma|moving_variance)$/.test(name)) {
      values.fill(1);
    }
    // Values are generated in TF.js layout order; the distributions are i.i.d., so no transpose is needed.
    const tensor = tf.tensor(values, variable.shape as number[], 'float32');
    variable.write(tensor);
    tensor.dispose();
  }
}
