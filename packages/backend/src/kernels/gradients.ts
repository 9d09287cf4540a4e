import * as tf from '@tensorflow/tfjs';

/**
 * Leaner gradients for the ops BatchNorm training is built from (tfjs-layers: `moments`, then
 * `batchNorm`). Same mathematics as tfjs-core's, fewer full-size passes and temporaries:
 * - FusedBatchNorm: the stock gradient tiles 1/sqrt(var) to the activation size and makes
 *   about ten activation-sized tensors; broadcasting needs three (x - mean, dy * (x - mean), dx).
 * - Mean and Sum: the stock gradients multiply by `ones(x.shape)` (a fill, a multiply and for
 *   Mean a divide, all full size); broadcasting the small gradient is one copy (Tile).
 */

function keptDimsShape(xShape: number[], axes: number[]): number[] {
  const shape = xShape.slice();
  for (const axis of axes) shape[axis] = 1;
  return shape;
}

const meanGrad: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
    const reduceSize = axes.reduce((size, axis) => size * x.shape[axis]!, 1);
    return {
      x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, keptDimsShape(x.shape, axes)), reduceSize), x.shape),
    };
  },
};

const sumGrad: tf.GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
    return { x: () => tf.broadcastTo(tf.reshape(dy as tf.Tensor, keptDimsShape(x.shape, axes)), x.shape) };
  },
};

const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyIn, saved, attrs) => {
    const dy = dyIn as tf.Tensor;
    const [x, mean, variance, scaleInput] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const scale = scaleInput ?? tf.scalar(1);
    // Axes along which mean (and friends) were broadcast: all of them for a [C] mean on NHWC.
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor) => (axes.length > 0 ? tf.reshape(tf.sum(t, axes), mean.shape) : t);
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
    // The [C] sums every parameter gradient needs, in one tidy so that the activation-sized
    // temporaries die here rather than at the end of the backward pass. (The per-input closures
    // below each run in their own tidy, so they cannot share lazily created tensors.)
    const [sumDy, sumDyCentered] = tf.tidy(() => [reduce(dy), reduce(tf.mul(dy, tf.sub(x, mean)))]) as [tf.Tensor, tf.Tensor];
    return {
      x: () => tf.mul(dy, tf.mul(scale, inverseStd)),
      mean: () => tf.reshape(tf.mul(tf.neg(tf.mul(scale, inverseStd)), sumDy), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(sumDyCentered, tf.mul(scale, tf.pow(inverseStd, 3))), -0.5), mean.shape),
      scale: () => tf.reshape(tf.mul(sumDyCentered, inverseStd), mean.shape),
      offset: () => tf.reshape(sumDy, mean.shape),
    };
  },
};

export const leanGradients: readonly tf.GradConfig[] = [meanGrad, sumGrad, fusedBatchNormGrad];
