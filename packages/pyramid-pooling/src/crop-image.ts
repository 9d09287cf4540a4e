import {
  extendedAxisIndex,
  pyramidLayout,
  resolvePyramidOptions,
  samplePositions,
  type PyramidCrop,
  type PyramidLayout,
  type PyramidOptions,
} from './pyramid.js';

/**
 * A raw HWC image, structurally the same as `@art/augment`'s `RawImage` (declared here so this
 * package does not depend on `@art/augment`).
 */
export interface PyramidRawImage {
  data: Uint8Array | Float32Array;
  width: number;
  height: number;
  channels: number;
}

/** One crop of {@link cropPyramidImage}: its pixels (float32, `cropSize × cropSize × channels`) and its place in the pyramid. */
export interface PyramidImageCrop {
  image: PyramidRawImage & { data: Float32Array };
  crop: PyramidCrop;
}

/** Checks the shape of a raw image; `name` is used in the error message. */
export function checkRawImage(image: PyramidRawImage, name = 'image'): void {
  if (image === null || typeof image !== 'object') {
    throw new TypeError(`${name} must be an object { data, width, height, channels }, got ${String(image)}`);
  }
  const { data, width, height, channels } = image;
  if (!(data instanceof Uint8Array) && !(data instanceof Float32Array)) {
    throw new TypeError(`${name}.data must be a Uint8Array or Float32Array`);
  }
  for (const [key, value] of [
    ['width', width],
    ['height', height],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name}.${key} must be a positive integer, got ${value}`);
    }
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `${name}.data has ${data.length} values but width·height·channels = ${width}·${height}·${channels} = ${width * height * channels}`,
    );
  }
}

/**
 * Cuts the pyramid of crops out of one raw HWC image, in pure TypeScript (no TF.js), e.g. inside
 * a data pipeline or a worker. Each crop is resampled to `cropSize × cropSize` with the same
 * sampling as `tf.image.cropAndResize` (corner-aligned: the first and last output pixels sit on
 * the centres of the crop's first and last pixels), so the result equals
 * {@link cropPyramidTensor}'s. Crops come in pyramid order (see {@link pyramidLayout}); the
 * pixels are float32 in the input's units.
 *
 * @example
 * const image = { data: new Uint8Array(64 * 48 * 3), width: 64, height: 48, channels: 3 };
 * const crops = cropPyramidImage(image, { levels: 'paper', cropSize: 32 });
 * crops.length; // 21
 * crops[0].image.width; // 32
 */
export function cropPyramidImage(image: PyramidRawImage, options: PyramidOptions = {}): PyramidImageCrop[] {
  checkRawImage(image);
  const resolved = resolvePyramidOptions(options);
  const layout = pyramidLayout(image.width, image.height, resolved);
  return layout.crops.map((crop) => ({ crop, image: resampleCrop(image, layout, crop, resolved) }));
}

function resampleCrop(
  image: PyramidRawImage,
  layout: PyramidLayout,
  crop: PyramidCrop,
  options: ReturnType<typeof resolvePyramidOptions>,
): PyramidImageCrop['image'] {
  const { cropSize, borderMode, interpolation } = options;
  const padValue = Math.fround(options.padValue);
  const { width, height, channels, data } = image;
  const rowSource = extendedAxisIndex(layout.paddedHeight, layout.padTop, height, borderMode);
  const columnSource = extendedAxisIndex(layout.paddedWidth, layout.padLeft, width, borderMode);
  const ys = samplePositions(crop.paddedBox.y, crop.paddedBox.height, layout.paddedHeight, cropSize);
  const xs = samplePositions(crop.paddedBox.x, crop.paddedBox.width, layout.paddedWidth, cropSize);
  const output = new Float32Array(cropSize * cropSize * channels);
  const pixel = (row: number, column: number, channel: number): number => {
    const sourceRow = rowSource[row]!;
    const sourceColumn = columnSource[column]!;
    if (sourceRow < 0 || sourceColumn < 0) return padValue;
    return data[(sourceRow * width + sourceColumn) * channels + channel]!;
  };
  let offset = 0;
  for (let y = 0; y < cropSize; y++) {
    const yPosition = ys[y]!;
    for (let x = 0; x < cropSize; x++) {
      const xPosition = xs[x]!;
      if (interpolation === 'nearest') {
        const row = Math.round(yPosition);
        const column = Math.round(xPosition);
        for (let channel = 0; channel < channels; channel++) output[offset++] = pixel(row, column, channel);
        continue;
      }
      // The same arithmetic, in the same order, as the TF.js CPU kernel, so both paths agree exactly.
      const top = Math.floor(yPosition);
      const bottom = Math.ceil(yPosition);
      const yLerp = yPosition - top;
      const left = Math.floor(xPosition);
      const right = Math.ceil(xPosition);
      const xLerp = xPosition - left;
      for (let channel = 0; channel < channels; channel++) {
        const topLeft = pixel(top, left, channel);
        const topRight = pixel(top, right, channel);
        const bottomLeft = pixel(bottom, left, channel);
        const bottomRight = pixel(bottom, right, channel);
        const upper = topLeft + (topRight - topLeft) * xLerp;
        const lower = bottomLeft + (bottomRight - bottomLeft) * xLerp;
        output[offset++] = upper + (lower - upper) * yLerp;
      }
    }
  }
  return { data: output, width: cropSize, height: cropSize, channels };
}

/**
 * Pads a raw image as the pyramid does before cropping (`padding: 'square'` centres it in a
 * square of its longer side with the chosen border mode). Returns a float32 image; with
 * `padding: 'none'` a float32 copy.
 *
 * @example
 * padImage({ data: new Uint8Array(4 * 2 * 1), width: 4, height: 2, channels: 1 }, { borderMode: 'replicate' }).height; // 4
 */
export function padImage(
  image: PyramidRawImage,
  options: PyramidOptions = {},
): PyramidRawImage & { data: Float32Array } {
  checkRawImage(image);
  const resolved = resolvePyramidOptions({ ...options, levels: [1] });
  const layout = pyramidLayout(image.width, image.height, resolved);
  const rowSource = extendedAxisIndex(layout.paddedHeight, layout.padTop, image.height, resolved.borderMode);
  const columnSource = extendedAxisIndex(layout.paddedWidth, layout.padLeft, image.width, resolved.borderMode);
  const { channels, data, width } = image;
  const output = new Float32Array(layout.paddedWidth * layout.paddedHeight * channels);
  let offset = 0;
  for (let row = 0; row < layout.paddedHeight; row++) {
    const sourceRow = rowSource[row + 1]!;
    for (let column = 0; column < layout.paddedWidth; column++) {
      const sourceColumn = columnSource[column + 1]!;
      for (let channel = 0; channel < channels; channel++) {
        output[offset++] =
          sourceRow < 0 || sourceColumn < 0
            ? resolved.padValue
            : data[(sourceRow * width + sourceColumn) * channels + channel]!;
      }
    }
  }
  return { data: output, width: layout.paddedWidth, height: layout.paddedHeight, channels };
}
