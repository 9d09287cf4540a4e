import * as tf from '@tensorflow/tfjs';

import {
  extendedAxisIndex,
  normalisedSpan,
  pyramidLayout,
  resolvePyramidOptions,
  type PyramidLayout,
  type PyramidOptions,
  type ResolvedPyramidOptions,
} from './pyramid.js';

function checkImages4D(images: tf.Tensor, name: string): void {
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    const shape = images instanceof tf.Tensor ? JSON.stringify(images.shape) : String(images);
    throw new TypeError(`${name} must be a rank-4 tensor [N, H, W, C], got ${shape}`);
  }
}

/**
 * Pads a batch `[N, H, W, C]` as the layout says and adds the one-pixel replicated margin the
 * sampling relies on: `[N, paddedHeight + 2, paddedWidth + 2, C]`, float32.
 */
export function extendImages(images: tf.Tensor4D, layout: PyramidLayout, options: ResolvedPyramidOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = images.shape;
    let rows = extendedAxisIndex(layout.paddedHeight, layout.padTop, height, options.borderMode);
    let columns = extendedAxisIndex(layout.paddedWidth, layout.padLeft, width, options.borderMode);
    let source: tf.Tensor4D = images.toFloat();
    if (options.borderMode === 'constant') {
      // One constant pixel on each side; index -1 ("outside") then maps to it.
      source = tf.pad(
        source,
        [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ],
        options.padValue,
      );
      rows = rows.map((index) => index + 1);
      columns = columns.map((index) => index + 1);
    }
    const gatheredRows = tf.gather(source, tf.tensor1d(rows, 'int32'), 1);
    return tf.gather(gatheredRows, tf.tensor1d(columns, 'int32'), 2) as tf.Tensor4D;
  });
}

/** `[y1, x1, y2, x2]` of a crop in the margin-extended image, as `tf.image.cropAndResize` wants it. */
export function cropBox(layout: PyramidLayout, cropIndex: number): [number, number, number, number] {
  const { paddedBox } = layout.crops[cropIndex]!;
  const [y1, y2] = normalisedSpan(paddedBox.y, paddedBox.height, layout.paddedHeight);
  const [x1, x2] = normalisedSpan(paddedBox.x, paddedBox.width, layout.paddedWidth);
  return [y1, x1, y2, x2];
}

/**
 * Crops selected pyramid cells out of an extended batch (see {@link extendImages}).
 * `selection[i] = [imageIndexInBatch, cropIndex]`; the output follows the selection order.
 */
export function cropSelection(
  extended: tf.Tensor4D,
  layout: PyramidLayout,
  selection: readonly (readonly [number, number])[],
  options: ResolvedPyramidOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const boxes = new Float32Array(selection.length * 4);
    const boxIndices = new Int32Array(selection.length);
    selection.forEach(([imageIndex, cropIndex], i) => {
      boxes.set(cropBox(layout, cropIndex), i * 4);
      boxIndices[i] = imageIndex;
    });
    return tf.image.cropAndResize(
      extended,
      tf.tensor2d(boxes, [selection.length, 4]),
      tf.tensor1d(boxIndices, 'int32'),
      [options.cropSize, options.cropSize],
      options.interpolation,
      options.padValue,
    );
  });
}

/**
 * The crop pyramid of a batch of same-sized images, on the device: `[N, H, W, C]` →
 * `[N · crops, cropSize, cropSize, C]` (float32) via `tf.image.cropAndResize`.
 *
 * Order: image-major, then the pyramid order of {@link pyramidLayout} (level by level, row-major
 * inside a level), i.e. crop `c` of image `n` is at `n · crops + c`. Matches
 * {@link cropPyramidImage} on every image. The input is not disposed.
 *
 * @example
 * const images = tf.zeros([2, 96, 128, 3]) as tf.Tensor4D;
 * const crops = cropPyramidTensor(images, { cropSize: 64 }); // [60, 64, 64, 3]
 */
export function cropPyramidTensor(images: tf.Tensor4D, options: PyramidOptions = {}): tf.Tensor4D {
  checkImages4D(images, 'images');
  const resolved = resolvePyramidOptions(options);
  const [count, height, width] = images.shape;
  const layout = pyramidLayout(width, height, resolved);
  if (count === 0) return tf.zeros([0, resolved.cropSize, resolved.cropSize, images.shape[3]]);
  return tf.tidy(() => {
    const extended = extendImages(images, layout, resolved);
    const selection: [number, number][] = [];
    for (let imageIndex = 0; imageIndex < count; imageIndex++) {
      for (const crop of layout.crops) selection.push([imageIndex, crop.index]);
    }
    return cropSelection(extended, layout, selection, resolved);
  });
}
