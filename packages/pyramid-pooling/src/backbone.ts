import * as tf from '@tensorflow/tfjs';

/** A backbone as a function from crops `[n, S, S, C]` to logits (or probabilities) `[n, classes]`. */
export type BackboneFunction = (crops: tf.Tensor4D, context: { training: boolean }) => tf.Tensor2D;

/**
 * A backbone that resolves asynchronously, e.g. `createOnnxInferenceFunction` of @art/efficientnet
 * (ONNX Runtime). It serves `predict` and `predictCrops`; `forward` and training need a synchronous one.
 * It is called inside the classifier's `tf.tidy`, so it must create its result after its first
 * `await` (ONNX Runtime's output is); a function that computes synchronously is a {@link BackboneFunction}.
 */
export type AsyncBackboneFunction = (crops: tf.Tensor4D, context: { training: boolean }) => Promise<tf.Tensor2D>;

/**
 * A feature extractor plus a classification head (timm's `forward_features` / `forward_head`
 * split), e.g. an EfficientNet built with `includeTop: false` and a `tf.sequential` head.
 */
export interface FeatureBackbone {
  features: tf.LayersModel | ((crops: tf.Tensor4D, context: { training: boolean }) => tf.Tensor);
  head: tf.LayersModel | ((features: tf.Tensor, context: { training: boolean }) => tf.Tensor2D);
}

/** Anything the pyramid can classify crops with. */
export type Backbone = tf.LayersModel | BackboneFunction | AsyncBackboneFunction | FeatureBackbone;

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

/** Checks a backbone's output for a batch of `count` crops. */
function checkOutput(output: unknown, count: number): tf.Tensor2D {
  if (!(output instanceof tf.Tensor) || output.rank !== 2 || output.shape[0] !== count) {
    throw new TypeError(
      `backbone must return [${count}, classes] for ${count} crops, got ${output instanceof tf.Tensor ? JSON.stringify(output.shape) : String(output)}`,
    );
  }
  return output as tf.Tensor2D;
}

/**
 * Starts a backbone on a crop batch for prediction: a synchronous backbone's `[n, classes]`
 * tensor, or the promise of an asynchronous function's (checked when it resolves).
 */
export function startBackbone(backbone: Backbone, crops: tf.Tensor4D): tf.Tensor2D | Promise<tf.Tensor2D> {
  if (typeof backbone === 'function') {
    const output: tf.Tensor | Promise<tf.Tensor> = backbone(crops, { training: false });
    if (output instanceof Promise) {
      return output.then((tensor) => {
        try {
          return checkOutput(tensor, crops.shape[0]);
        } catch (error) {
          if (tensor instanceof tf.Tensor) tensor.dispose();
          throw error;
        }
      });
    }
    return checkOutput(output, crops.shape[0]);
  }
  return runBackbone(backbone, crops, false);
}

/** Runs a backbone on a crop batch; the result is a new `[n, classes]` tensor. */
export function runBackbone(backbone: Backbone, crops: tf.Tensor4D, training: boolean): tf.Tensor2D {
  const context = { training };
  let output: tf.Tensor | Promise<tf.Tensor>;
  if (isLayersModel(backbone)) {
    output = backbone.apply(crops, { training }) as tf.Tensor;
  } else if (typeof backbone === 'function') {
    output = backbone(crops, context);
    if (output instanceof Promise) {
      // Already started: let it finish quietly and free what it returns.
      output.then(
        (tensor) => tensor.dispose(),
        () => undefined,
      );
      throw new TypeError(
        'this backbone function is asynchronous (e.g. ONNX Runtime): it can predict (predict, ' +
          'predictCrops) but not run inside forward or training; use a TF.js backbone there',
      );
    }
  } else {
    const features = isLayersModel(backbone.features)
      ? (backbone.features.apply(crops, { training }) as tf.Tensor)
      : backbone.features(crops, context);
    output = isLayersModel(backbone.head)
      ? (backbone.head.apply(features, { training }) as tf.Tensor)
      : backbone.head(features, context);
  }
  return checkOutput(output, crops.shape[0]);
}
