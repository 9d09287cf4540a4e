import * as tf from '@tensorflow/tfjs';

/** A backbone as a function from crops `[n, S, S, C]` to logits (or probabilities) `[n, classes]`. */
export type BackboneFunction = (crops: tf.Tensor4D, context: { training: boolean }) => tf.Tensor2D;

/**
 * A feature extractor plus a classification head (timm's `forward_features` / `forward_head`
 * split), e.g. an EfficientNet built with `includeTop: false` and a `tf.sequential` head.
 */
export interface FeatureBackbone {
  features: tf.LayersModel | ((crops: tf.Tensor4D, context: { training: boolean }) => tf.Tensor);
  head: tf.LayersModel | ((features: tf.Tensor, context: { training: boolean }) => tf.Tensor2D);
}

/** Anything the pyramid can classify crops with. */
export type Backbone = tf.LayersModel | BackboneFunction | FeatureBackbone;

function isLayersModel(value: unknown): value is tf.LayersModel {
  return value instanceof tf.LayersModel;
}

/** Checks that `value` is a {@link Backbone}; `name` is used in the error. */
export function checkBackbone(value: unknown, name: string): Backbone {
  if (isLayersModel(value) || typeof value === 'function') return value as Backbone;
  if (value !== null && typeof value === 'object') {
    const { features, head } = value as Partial<FeatureBackbone>;
    const ok = (part: unknown): boolean => isLayersModel(part) || typeof part === 'function';
    if (ok(features) && ok(head)) return value as FeatureBackbone;
  }
  throw new TypeError(
    `${name} must be a tf.LayersModel, a function (crops) => logits, or { features, head }; got ${value === null ? 'null' : typeof value}`,
  );
}

/** Runs a backbone on a crop batch; the result is a new `[n, classes]` tensor. */
export function runBackbone(backbone: Backbone, crops: tf.Tensor4D, training: boolean): tf.Tensor2D {
  const context = { training };
  let output: tf.Tensor;
  if (isLayersModel(backbone)) {
    output = backbone.apply(crops, { training }) as tf.Tensor;
  } else if (typeof backbone === 'function') {
    output = backbone(crops, context);
  } else {
    const features = isLayersModel(backbone.features)
      ? (backbone.features.apply(crops, { training }) as tf.Tensor)
      : backbone.features(crops, context);
    output = isLayersModel(backbone.head) ? (backbone.head.apply(features, { training }) as tf.Tensor) : backbone.head(features, context);
  }
  if (!(output instanceof tf.Tensor) || output.rank !== 2 || output.shape[0] !== crops.shape[0]) {
    throw new TypeError(
      `backbone must return [${crops.shape[0]}, classes] for ${crops.shape[0]} crops, got ${output instanceof tf.Tensor ? JSON.stringify(output.shape) : String(output)}`,
    );
  }
  return output as tf.Tensor2D;
}
