import * as tf from '@tensorflow/tfjs';

import { poolLevels } from './fusion.js';
import { cropCount, resolveLevels, type LevelsOption } from './pyramid.js';

/** Constructor arguments of {@link PyramidFusionLayer}. */
export type PyramidFusionLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]> & {
  /** Number of pyramid levels. */
  numLevels: number;
};

/**
 * The `learned` fusion as a TF.js layer: input `[batch, levels, classes]` (pooled level
 * distributions), output `[batch, classes] = Σₗ softmax(θ)ₗ · inputₗ`. Its only weight is the
 * level logits θ `[levels]`, initialised to 0 (equal weights); the softmax keeps the fused output
 * a distribution. Registered with `tf.serialization` at import, so models holding it save and load.
 *
 * @example
 * const layer = new PyramidFusionLayer({ numLevels: 3 });
 * const fused = layer.apply(tf.ones([4, 3, 10])) as tf.Tensor; // [4, 10]
 */
export class PyramidFusionLayer extends tf.layers.Layer {
  static className = 'ArtPyramidFusion';
  readonly numLevels: number;
  private levelLogits: tf.LayerVariable | undefined;

  constructor(args: PyramidFusionLayerArgs) {
    super(args);
    if (!Number.isInteger(args.numLevels) || args.numLevels < 1) {
      throw new RangeError(`PyramidFusionLayer: numLevels must be a positive integer, got ${args.numLevels}`);
    }
    this.numLevels = args.numLevels;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 3 || shape[1] !== this.numLevels) {
      throw new RangeError(
        `PyramidFusionLayer expects input [batch, ${this.numLevels}, classes], got ${JSON.stringify(shape)}`,
      );
    }
    this.levelLogits = this.addWeight('level_logits', [this.numLevels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0]!, shape[2]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0]! : inputs;
      const weights = tf.softmax(this.levelLogits!.read());
      return tf.sum(tf.mul(input, weights.reshape([1, this.numLevels, 1])), 1);
    });
  }

  /** The current level weights `softmax(θ)`. */
  levelWeights(): number[] {
    if (this.levelLogits === undefined) return new Array<number>(this.numLevels).fill(1 / this.numLevels);
    return tf.tidy(() => Array.from(tf.softmax(this.levelLogits!.read()).dataSync()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numLevels: this.numLevels };
  }
}
tf.serialization.registerClass(PyramidFusionLayer);

/** Options of {@link fitFusionWeights}. */
export interface FitFusionOptions {
  /** Grid sizes of the pyramid. Default `[1, 2, 5]`. */
  levels?: LevelsOption;
  /** Full-batch Adam steps. Default `200`. */
  epochs?: number;
  /** Adam learning rate. Default `0.05`. */
  learningRate?: number;
  /** Start from these logits instead of 0 (equal weights). */
  initialLogits?: readonly number[];
}

/** What {@link fitFusionWeights} found. */
export interface FittedFusion {
  /** θ: pass as `learnedLogits` to {@link fuse} / {@link PyramidClassifier}. */
  learnedLogits: number[];
  /** `softmax(θ)`, the level weights. */
  weights: number[];
  /** Mean negative log-likelihood of the fused prediction after each step. */
  losses: number[];
}

/**
 * Fits the `learned` fusion on held-out predictions: the level weights `softmax(θ)` that minimise
 * the negative log-likelihood of the fused (soft-pooled, weighted) prediction of the true class.
 * Deterministic (full batch, zero start). Uses {@link PyramidFusionLayer}; leaks no tensors.
 *
 * @param perCropProbabilities `[images][crops][classes]`, crops in pyramid order (e.g. `predict(...).perCrop`).
 * @param labels true class index of each image.
 * @example
 * const { perCrop } = await classifier.predict(validationImages);
 * const { learnedLogits, weights } = fitFusionWeights(perCrop, validationLabels);
 * const fused = fuse(perCrop, 'learned', { learnedLogits });
 */
export function fitFusionWeights(
  perCropProbabilities: readonly (readonly ArrayLike<number>[])[],
  labels: ArrayLike<number>,
  options: FitFusionOptions = {},
): FittedFusion {
  const levels = resolveLevels(options.levels);
  const epochs = options.epochs ?? 200;
  const learningRate = options.learningRate ?? 0.05;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new RangeError(`epochs must be a non-negative integer, got ${epochs}`);
  if (!(learningRate > 0)) throw new RangeError(`learningRate must be positive, got ${learningRate}`);
  if (perCropProbabilities.length === 0) throw new RangeError('perCropProbabilities must hold at least one image');
  if (labels.length !== perCropProbabilities.length) {
    throw new RangeError(
      `labels has ${labels.length} entries but perCropProbabilities has ${perCropProbabilities.length} images`,
    );
  }
  const crops = cropCount(levels);
  const numClasses = perCropProbabilities[0]![0]?.length ?? 0;
  const pooled = perCropProbabilities.map((image, index) => {
    if (image.length !== crops) {
      throw new RangeError(
        `perCropProbabilities[${index}] must hold ${crops} crops for levels ${JSON.stringify(levels)}, got ${image.length}`,
      );
    }
    return poolLevels(image, levels);
  });
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(`labels[${i}] must be a class index in [0, ${numClasses}), got ${label}`);
    }
  }
  if (options.initialLogits !== undefined && options.initialLogits.length !== levels.length) {
    throw new RangeError(
      `initialLogits must hold ${levels.length} numbers, got ${JSON.stringify(options.initialLogits)}`,
    );
  }

  const layer = new PyramidFusionLayer({ numLevels: levels.length });
  const optimizer = tf.train.adam(learningRate);
  const losses: number[] = [];
  const levelTensor = tf.tensor3d(pooled);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), numClasses).toFloat());
  try {
    tf.tidy(() => {
      layer.apply(levelTensor); // builds the weight
    });
    if (options.initialLogits !== undefined) {
      const initial = tf.tensor1d([...options.initialLogits]);
      layer.setWeights([initial]);
      initial.dispose();
    }
    const variables = layer.trainableWeights.map((weight) => weight.read() as tf.Variable);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const fused = layer.apply(levelTensor) as tf.Tensor2D;
            const likelihood = tf.sum(tf.mul(fused, targets), 1);
            return tf.neg(tf.mean(tf.log(tf.maximum(likelihood, 1e-12)))) as tf.Scalar;
          }),
        true,
        variables,
      );
      losses.push(loss!.dataSync()[0]!);
      loss!.dispose();
    }
    const learnedLogits = tf.tidy(() => Array.from(variables[0]!.dataSync()));
    return { learnedLogits, weights: layer.levelWeights(), losses };
  } finally {
    levelTensor.dispose();
    targets.dispose();
    optimizer.dispose();
    layer.dispose();
  }
}
