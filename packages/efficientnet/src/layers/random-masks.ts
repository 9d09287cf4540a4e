import * as tf from '@tensorflow/tfjs';

/** What a layer asks for when it needs a training-time keep mask. */
export interface KeepMaskRequest {
  /** The layer's name (torchvision module path: `head.0`, `classifier.0`, `features.2.1.stochastic_depth`). */
  readonly layer: string;
  readonly kind: 'dropout' | 'stochastic-depth';
  /** Shape of the mask: the input's for dropout, `[N, 1, 1, 1]` for per-sample stochastic depth. */
  readonly shape: readonly number[];
  /** Probability that an element (or sample) is kept: `1 - rate`. */
  readonly keepProbability: number;
}

/**
 * Supplies keep masks (1 = kept, 0 = dropped, float32, of `request.shape`), or `null` to draw
 * one as usual. The layer then scales by `1 / keepProbability` itself, as PyTorch does.
 */
export type KeepMaskSource = (request: KeepMaskRequest) => tf.Tensor | null;

let activeSource: KeepMaskSource | null = null;

/**
 * Runs `fn` with dropout and stochastic-depth masks taken from `source`: the hook that lets a
 * test feed PyTorch's own Bernoulli masks into a training step and compare the results
 * element by element. Synchronous: the masks are requested while `fn` builds the forward pass.
 *
 * @example
 * const loss = withKeepMasks(({ layer }) => tf.tensor(masks[layer]), () => step(x, y));
 */
export function withKeepMasks<T>(source: KeepMaskSource, fn: () => T): T {
  if (typeof source !== 'function')
    throw new TypeError('withKeepMasks: source must be a function (request) => tf.Tensor | null');
  const previous = activeSource;
  activeSource = source;
  try {
    return fn();
  } finally {
    activeSource = previous;
  }
}

/**
 * The keep mask for one training-mode application: from the active {@link withKeepMasks}
 * source, else Bernoulli(`keepProbability`) drawn as tfjs-core's dropout draws it
 * (`floor(U[0, 1) + keep)`, seeded through `Math.random`).
 */
export function drawKeepMask(request: KeepMaskRequest): tf.Tensor {
  const supplied = activeSource?.(request) ?? null;
  if (supplied !== null) {
    const expected = request.shape.join(',');
    if (supplied.shape.join(',') !== expected) {
      throw new RangeError(
        `keep mask for layer "${request.layer}" has shape [${supplied.shape.join(', ')}]; expected [${expected}]`,
      );
    }
    return supplied;
  }
  return tf.tidy(() =>
    tf.floor(tf.add(tf.randomUniform(request.shape as number[], 0, 1, 'float32'), request.keepProbability)),
  );
}

type DropoutLayer = tf.layers.Layer & { rate: number };
type DropoutClass = new (args: { rate: number; name?: string }) => DropoutLayer;

/** tfjs-layers' Dropout class (not exported), taken from a throwaway layer. */
const StockDropout = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5, name: 'art_dropout_class_probe' }))
  .constructor as DropoutClass;

/**
 * `nn.Dropout`: in training, `x * mask / (1 - rate)` with a Bernoulli(1 - rate) mask from
 * {@link drawKeepMask}; identity at inference. Serialises as the stock `Dropout`.
 */
export class MaskedDropout extends StockDropout {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training !== true || !(this.rate > 0 && this.rate < 1)) return input;
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const mask = drawKeepMask({ layer: this.name, kind: 'dropout', shape: input.shape, keepProbability: keep });
      return tf.mul(input, tf.div(mask, keep));
    });
  }
}

/** A {@link MaskedDropout} layer. */
export function maskedDropout(rate: number, name: string): tf.layers.Layer {
  return new MaskedDropout({ rate, name });
}
