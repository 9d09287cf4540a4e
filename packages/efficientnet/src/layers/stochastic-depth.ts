import * as tf from '@tensorflow/tfjs';
import { drawKeepMask } from './random-masks.js';

/** Constructor arguments of {@link StochasticDepth}. */
export interface StochasticDepthArgs {
  /** Probability of dropping the residual branch (0 = identity). */
  rate: number;
  /** `'row'` drops per sample (torchvision's EfficientNet), `'batch'` drops the whole batch. Default `'row'`. */
  mode?: 'row' | 'batch';
  name?: string;
  trainable?: boolean;
  inputShape?: (number | null)[];
}

/**
 * torchvision `ops.StochasticDepth`: in training, zeroes the residual branch per sample with
 * probability `rate` and rescales survivors by `1 / (1 - rate)`; identity at inference.
 *
 * @example
 * const sd = new StochasticDepth({ rate: 0.1 });
 * const y = sd.apply(x, { training: true }) as tf.Tensor;
 */
export class StochasticDepth extends tf.layers.Layer {
  /** Registered name used by `model.save` / `tf.loadLayersModel`. */
  static className = 'StochasticDepth';
  readonly rate: number;
  readonly mode: 'row' | 'batch';

  constructor(args: StochasticDepthArgs) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    if (!(typeof args.rate === 'number' && args.rate >= 0 && args.rate <= 1)) {
      throw new RangeError(`StochasticDepth rate must be in [0, 1]; got ${String(args.rate)}`);
    }
    const mode = args.mode ?? 'row';
    if (mode !== 'row' && mode !== 'batch')
      throw new RangeError(`StochasticDepth mode must be one of row, batch; got ${JSON.stringify(mode)}`);
    this.rate = args.rate;
    this.mode = mode;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    // Inference, or nothing to drop: torchvision returns the input unchanged.
    if (!kwargs?.training || this.rate === 0) return input;
    return tf.tidy(() => {
      const survival = 1 - this.rate;
      const noiseShape =
        this.mode === 'row' ? [input.shape[0]!, ...input.shape.slice(1).map(() => 1)] : input.shape.map(() => 1);
      const keep = drawKeepMask({
        layer: this.name,
        kind: 'stochastic-depth',
        shape: noiseShape,
        keepProbability: survival,
      });
      // rate = 1 drops everything; torchvision skips the rescale then.
      const mask = survival > 0 ? tf.div(keep, survival) : keep;
      return tf.mul(input, mask);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, mode: this.mode };
  }
}

tf.serialization.registerClass(StochasticDepth);
