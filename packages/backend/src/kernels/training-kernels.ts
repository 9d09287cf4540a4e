import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { byteOffset, poolFor, simdFor, type WasmHeapBackend } from './simd-backend.js';
import { runStockKernel } from './stock-kernels.js';
import { dilateSpatial, padOrCropSpatial, withWasmOps, type TensorInfo, type WasmOps } from './wasm-ops.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Pair = number | [number, number];
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

interface KernelArgs<Inputs, Attrs> {
  inputs: Inputs;
  backend: BackendWasm;
  attrs: Attrs;
}

function requireChannelsLast(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on the wasm backend supports dataFormat 'NHWC' only, got '${dataFormat}'.`);
  }
}

function requireFloat32(kernelName: string, ...tensors: TensorInfo[]): void {
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`${kernelName} on the wasm backend needs float32 tensors, got ${t.dtype}.`);
  }
}

/**
 * Conv2DBackpropFilter: dW[kh, kw]^T = dY^T · X_(kh, kw), one XNNPACK matmul per filter offset.
 *
 * dY is transposed once to [outChannels, N·OH·OW]; the window of X that filter offset (kh, kw)
 * sees is a strided slice of the padded input, reshaped (no copy) to the [N·OH·OW, inChannels]
 * right operand, which XNNPACK packs as its "weights". No im2col buffer is built, and a 1x1
 * convolution is a single matmul against X itself. Inputs with few channels (the stem) use one
 * matmul against a small im2col matrix instead, because per-offset products would be too thin.
 */
export function conv2DBackpropFilter({
  inputs,
  backend,
  attrs,
}: KernelArgs<
  { x: TensorInfo; dy: TensorInfo },
  { strides: Pair; pad: Pad; dataFormat?: 'NHWC' | 'NCHW'; dimRoundingMode?: RoundingMode; filterShape: [number, number, number, number] }
>): TensorInfo {
  const { x, dy } = inputs;
  requireChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  requireFloat32('Conv2DBackpropFilter', x, dy);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return withWasmOps(backend, (ops) => {
    const [batch, height, width, inChannels] = x.shape as [number, number, number, number];
    const { outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const { dilationHeight, dilationWidth } = info;
    const positions = batch * outHeight * outWidth;
    const patchSize = filterHeight * filterWidth * inChannels;
    const pointwiseSameSize = patchSize === inChannels && strideHeight === 1 && strideWidth === 1 && hasNoLeadingPadding(info) && outHeight === height && outWidth === width;
    if (pointwiseSameSize && inChannels > outChannels) {
      // A projecting 1x1 convolution: dW = X^T dY, so that XNNPACK packs dY, the smaller
      // operand, as its weights. Packing a fresh [P, C] right operand costs several times a
      // SIMD transpose of it (in a training step, ~17 ms for a [12544, 144] one).
      const xT = ops.reshape(ops.transpose(ops.reshape(x, [positions, inChannels]), [1, 0]), [1, inChannels, positions]);
      return ops.reshape(ops.matMul(xT, ops.reshape(dy, [1, positions, outChannels])), [1, 1, inChannels, outChannels]);
    }
    const dyT = ops.reshape(ops.transpose(ops.reshape(dy, [positions, outChannels]), [1, 0]), [1, outChannels, positions]);
    if (patchSize > 1 && inChannels < 16 && positions * patchSize <= im2colLimit) {
      // Few input channels (the stem): per-offset matmuls would be [outChannels x P] x [P x 3],
      // far too thin for XNNPACK. One matmul against a small im2col matrix instead.
      const patches = pointwiseSameSize ? ops.reshape(x, [1, positions, inChannels]) : ops.adopt(im2col(backend, x, info));
      const product = ops.matMul(dyT, patches); // [outChannels, KH·KW·inChannels]
      return ops.reshape(ops.transpose(ops.reshape(product, [outChannels, patchSize]), [1, 0]), [filterHeight, filterWidth, inChannels, outChannels]);
    }
    const neededHeight = (filterHeight - 1) * dilationHeight + strideHeight * (outHeight - 1) + 1;
    const neededWidth = (filterWidth - 1) * dilationWidth + strideWidth * (outWidth - 1) + 1;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const padded = ops.pad(x, [
      [0, 0],
      [top, Math.max(0, neededHeight - top - height)],
      [left, Math.max(0, neededWidth - left - width)],
      [0, 0],
    ]);
    const parts: TensorInfo[] = [];
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let kw = 0; kw < filterWidth; kw++) {
        const row = kh * dilationHeight;
        const column = kw * dilationWidth;
        const window = ops.stridedSlice(
          padded,
          [0, row, column, 0],
          [batch, row + strideHeight * (outHeight - 1) + 1, column + strideWidth * (outWidth - 1) + 1, inChannels],
          [1, strideHeight, strideWidth, 1],
        );
        parts.push(ops.matMul(dyT, ops.reshape(window, [1, positions, inChannels])));
      }
    }
    // [KH·KW, outChannels, inChannels] -> [KH, KW, inChannels, outChannels]
    const stacked = parts.length === 1 ? parts[0]! : ops.run('Concat', parts, { axis: 0 });
    const ordered = ops.transpose(ops.reshape(stacked, [filterHeight * filterWidth, outChannels, inChannels]), [0, 2, 1]);
    return ops.reshape(ordered, [filterHeight, filterWidth, inChannels, outChannels]);
  });
}

function hasNoLeadingPadding(info: tf.backend_util.Conv2DInfo): boolean {
  return info.padInfo.top === 0 && info.padInfo.left === 0;
}

/** Largest im2col matrix (elements) built for thin convolutions: 64 MiB. */
const im2colLimit = 16 * 2 ** 20;

/** [1, N·OH·OW, KH·KW·inChannels] patches of NHWC `x` (zeros outside), filled on the wasm heap. */
function im2col(backend: BackendWasm, x: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const patchSize = filterHeight * filterWidth * channels;
  const out = backend.makeOutput([1, batch * outHeight * outWidth, patchSize], 'float32');
  const source = backend.typedArrayFromHeap(x) as Float32Array;
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  target.fill(0);
  let row = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, row += patchSize) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= height) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= width) continue;
            // An index loop: a subarray per (pixel, offset) costs more than copying 3 floats.
            const from = ((n * height + ih) * width + iw) * channels;
            const to = row + (kh * filterWidth + kw) * channels;
            for (let c = 0; c < channels; c++) target[to + c] = source[from + c]!;
          }
        }
      }
    }
  }
  return out;
}

/** Sums [1, N·OH·OW, KH·KW·C] patch gradients into an NHWC tensor of `inputShape` (im2col's adjoint). */
function col2im(backend: BackendWasm, columns: TensorInfo, inputShape: [number, number, number, number], info: tf.backend_util.Conv2DInfo): TensorInfo {
  const [batch, height, width, channels] = inputShape;
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const patchSize = filterHeight * filterWidth * channels;
  const out = backend.makeOutput(inputShape.slice(), 'float32');
  const source = backend.typedArrayFromHeap(columns) as Float32Array;
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  target.fill(0);
  let row = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, row += patchSize) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= height) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= width) continue;
            const to = ((n * height + ih) * width + iw) * channels;
            const from = row + (kh * filterWidth + kw) * channels;
            for (let c = 0; c < channels; c++) target[to + c]! += source[from + c]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Conv2DBackpropInput as a stride-1 XNNPACK convolution of the zero-dilated, padded dY with
 * the spatially flipped, in/out-swapped filter; a 1x1 stride-1 convolution is one matmul.
 */
export function conv2DBackpropInput({
  inputs,
  backend,
  attrs,
}: KernelArgs<
  { dy: TensorInfo; filter: TensorInfo },
  { strides: Pair; pad: Pad; dataFormat?: 'NHWC' | 'NCHW'; dimRoundingMode?: RoundingMode; inputShape: [number, number, number, number] }
>): TensorInfo {
  const { dy, filter } = inputs;
  requireChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
  requireFloat32('Conv2DBackpropInput', dy, filter);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return withWasmOps(backend, (ops) => {
    const [batch, height, width, inChannels] = attrs.inputShape;
    const { outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
    const pointwise =
      filterHeight === 1 &&
      filterWidth === 1 &&
      strideHeight === 1 &&
      strideWidth === 1 &&
      padInfo.top === 0 &&
      padInfo.left === 0 &&
      outHeight === height &&
      outWidth === width;
    const patchSize = filterHeight * filterWidth * inChannels;
    const positions = batch * outHeight * outWidth;
    if (!pointwise && inChannels < 16 && positions * patchSize <= im2colLimit) {
      // Few input channels (the stem): the transposed convolution would be an XNNPACK
      // convolution with 3 output channels over a zero-dilated dY, far too thin. One matmul
      // dY [P x outChannels] x W^T [outChannels x KH·KW·inChannels] gives every patch's
      // gradient; col2im adds them into dX.
      const filterT = ops.transpose(ops.reshape(filter, [patchSize, outChannels]), [1, 0]);
      const columns = ops.matMul(ops.reshape(dy, [1, positions, outChannels]), ops.reshape(filterT, [1, outChannels, patchSize]));
      return ops.adopt(col2im(backend, columns, attrs.inputShape, info));
    }
    if (pointwise) {
      const filterT = ops.transpose(ops.reshape(filter, [inChannels, outChannels]), [1, 0]);
      const product = ops.matMul(
        ops.reshape(dy, [1, batch * height * width, outChannels]),
        ops.reshape(filterT, [1, outChannels, inChannels]),
      );
      return ops.reshape(product, attrs.inputShape);
    }
    const flipped = ops.adopt(flipSpatially(backend, filter));
    const swapped = ops.transpose(flipped, [0, 1, 3, 2]);
    const { input, padding } = transposedConvolutionInput(ops, dy, info, height, width);
    return ops.run(
      'Conv2D',
      { x: input, filter: swapped },
      { strides: [1, 1], pad: padding, dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
  });
}

/**
 * A [KH, KW, ...] filter with both spatial axes reversed: KH·KW block copies on the heap. The
 * stock Reverse kernel takes about 1 ms for a [5, 5, 1152, 1] filter.
 */
function flipSpatially(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [filterHeight, filterWidth] = filter.shape as [number, number];
  const block = filter.shape.slice(2).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(filter.shape.slice(), filter.dtype);
  const source = backend.typedArrayFromHeap(filter);
  const target = backend.typedArrayFromHeap(out);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const from = (kh * filterWidth + kw) * block;
      target.set(source.subarray(from, from + block), ((filterHeight - 1 - kh) * filterWidth + (filterWidth - 1 - kw)) * block);
    }
  }
  return out;
}

/**
 * Zero-dilates dY by the forward stride and crops it where the window starts or ends inside it,
 * so that a stride-1 convolution with the flipped filter (at the forward dilation) and the
 * returned explicit zero padding yields exactly [H, W]. The padding goes to XNNPACK rather than
 * through a padded copy of dY.
 */
function transposedConvolutionInput(
  ops: WasmOps,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  height: number,
  width: number,
): { input: TensorInfo; padding: [[0, 0], [number, number], [number, number], [0, 0]] } {
  const dilated = dilateSpatial(ops, dy, info.strideHeight, info.strideWidth);
  const dilatedHeight = dilated.shape[1]!;
  const dilatedWidth = dilated.shape[2]!;
  const top = (info.filterHeight - 1) * info.dilationHeight - info.padInfo.top;
  const left = (info.filterWidth - 1) * info.dilationWidth - info.padInfo.left;
  const bottom = height + info.padInfo.top - dilatedHeight;
  const right = width + info.padInfo.left - dilatedWidth;
  const input = padOrCropSpatial(ops, dilated, Math.min(0, top), Math.min(0, bottom), Math.min(0, left), Math.min(0, right));
  return { input, padding: [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]] };
}

/**
 * DepthwiseConv2dNativeBackpropInput as an XNNPACK depthwise convolution of the dilated,
 * padded dY with the spatially flipped filter (one per channel multiplier, summed).
 */
export function depthwiseConv2dNativeBackpropInput({
  inputs,
  backend,
  attrs,
}: KernelArgs<
  { dy: TensorInfo; filter: TensorInfo },
  { strides: Pair; dilations?: Pair; pad: Pad; dimRoundingMode?: RoundingMode; inputShape: [number, number, number, number] }
>): TensorInfo {
  const { dy, filter } = inputs;
  requireFloat32('DepthwiseConv2dNativeBackpropInput', dy, filter);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
  return withWasmOps(backend, (ops) => {
    const [, height, width, channels] = attrs.inputShape;
    const [filterHeight, filterWidth, , multiplier] = filter.shape as [number, number, number, number];
    const flipped = ops.adopt(flipSpatially(backend, filter));
    const convolve = (dyPart: TensorInfo, filterPart: TensorInfo): TensorInfo => {
      const { input, padding } = transposedConvolutionInput(ops, dyPart, info, height, width);
      return ops.run(
        'DepthwiseConv2dNative',
        { x: input, filter: filterPart },
        { strides: [1, 1], pad: padding, dilations: [info.dilationHeight, info.dilationWidth], dimRoundingMode: undefined },
      );
    };
    if (multiplier === 1) return convolve(dy, flipped);
    const [batch, outHeight, outWidth] = dy.shape as [number, number, number, number];
    const terms: TensorInfo[] = [];
    for (let m = 0; m < multiplier; m++) {
      const dyPart = ops.stridedSlice(dy, [0, 0, 0, m], [batch, outHeight, outWidth, channels * multiplier], [1, 1, 1, multiplier]);
      const filterPart = ops.slice(flipped, [0, 0, 0, m], [filterHeight, filterWidth, channels, 1]);
      terms.push(convolve(dyPart, filterPart));
    }
    return ops.run('AddN', terms);
  });
}

/**
 * DepthwiseConv2dNativeBackpropFilter: one multiply-accumulate pass over dY per filter offset,
 * reading X and dY straight from the wasm heap (no slices, no temporaries), accumulating in
 * float64. With channel multiplier 1 and channels a multiple of 4 (every EfficientNet layer)
 * each output row is one call of a WebAssembly SIMD loop (4 channels at a time, row sums in
 * float32, then float64); otherwise plain JS loops.
 */
export function depthwiseConv2dNativeBackpropFilter({
  inputs,
  backend,
  attrs,
}: KernelArgs<
  { x: TensorInfo; dy: TensorInfo },
  { strides: Pair; dilations?: Pair; pad: Pad; dimRoundingMode?: RoundingMode; filterShape: [number, number, number, number] }
>): TensorInfo {
  const { x, dy } = inputs;
  requireFloat32('DepthwiseConv2dNativeBackpropFilter', x, dy);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const multiplier = attrs.filterShape[3];
  const outChannels = channels * multiplier;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  if (multiplier === 1 && channels % 4 === 0 && channels > 0) return depthwiseFilterGradientSimd(backend as unknown as WasmHeapBackend, x, dy, info, attrs.filterShape);
  const sums = new Float64Array(filterHeight * filterWidth * outChannels);
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  // Heap views are taken after the allocation above: growing the heap replaces its buffer.
  const xValues = backend.typedArrayFromHeap(x) as Float32Array;
  const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
  const xColumnStep = strideWidth * channels;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      // Output columns whose input column is inside the image: no bounds tests in the loop.
      const iwOffset = kw * dilationWidth - left;
      const owStart = Math.max(0, Math.ceil(-iwOffset / strideWidth));
      const owEnd = Math.min(outWidth, Math.floor((width - 1 - iwOffset) / strideWidth) + 1);
      if (owEnd <= owStart) continue;
      const sumBase = (kh * filterWidth + kw) * outChannels;
      for (let n = 0; n < batch; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const ih = oh * strideHeight + kh * dilationHeight - top;
          if (ih < 0 || ih >= height) continue;
          let xIndex = ((n * height + ih) * width + owStart * strideWidth + iwOffset) * channels;
          let dyIndex = ((n * outHeight + oh) * outWidth + owStart) * outChannels;
          for (let ow = owStart; ow < owEnd; ow++, xIndex += xColumnStep, dyIndex += outChannels) {
            if (multiplier === 1) {
              for (let c = 0; c < channels; c++) sums[sumBase + c]! += xValues[xIndex + c]! * dyValues[dyIndex + c]!;
            } else {
              for (let c = 0; c < channels; c++) {
                const xValue = xValues[xIndex + c]!;
                for (let m = 0; m < multiplier; m++) {
                  const k = c * multiplier + m;
                  sums[sumBase + k]! += xValue * dyValues[dyIndex + k]!;
                }
              }
            }
          }
        }
      }
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}

/** The multiplier-1, channels % 4 == 0 case of the depthwise filter gradient (see above). */
function depthwiseFilterGradientSimd(
  backend: WasmHeapBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  filterShape: [number, number, number, number],
): TensorInfo {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const functions = simdFor(backend);
  const out = backend.makeOutput(filterShape, 'float32');
  // float64 accumulators for every filter offset, on the heap where the SIMD loop can reach
  // them (one spare float32 to align them to 8 bytes if malloc did not).
  const offsets = filterHeight * filterWidth;
  const scratch = backend.makeOutput([2 * offsets * channels + 1], 'float32');
  try {
    const xBase = byteOffset(backend, x);
    const dyBase = byteOffset(backend, dy);
    const sumsOffset = byteOffset(backend, scratch) + (byteOffset(backend, scratch) % 8);
    // Heap views after the allocations above (growing the heap replaces its buffer).
    const heap = (backend.typedArrayFromHeap(scratch) as Float32Array).buffer;
    const sums = new Float64Array(heap, sumsOffset, offsets * channels);
    sums.fill(0);
    const rowBytes = 4 * channels;
    // Offsets own disjoint sums: with helper threads they are shared out, one offset per chunk.
    const args = [xBase, dyBase, sumsOffset, batch, height, width, channels, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, top, left, filterWidth];
    if (poolFor(backend)?.depthwiseFilter(args, offsets) !== true) {
      for (let kh = 0; kh < filterHeight; kh++) {
        for (let kw = 0; kw < filterWidth; kw++) {
          // Output columns whose input column is inside the image.
          const iwOffset = kw * dilationWidth - left;
          const owStart = Math.max(0, Math.ceil(-iwOffset / strideWidth));
          const owEnd = Math.min(outWidth, Math.floor((width - 1 - iwOffset) / strideWidth) + 1);
          if (owEnd <= owStart) continue;
          const sumsAt = sumsOffset + 8 * (kh * filterWidth + kw) * channels;
          for (let n = 0; n < batch; n++) {
            for (let oh = 0; oh < outHeight; oh++) {
              const ih = oh * strideHeight + kh * dilationHeight - top;
              if (ih < 0 || ih >= height) continue;
              const xAt = xBase + ((n * height + ih) * width + owStart * strideWidth + iwOffset) * rowBytes;
              const dyAt = dyBase + ((n * outHeight + oh) * outWidth + owStart) * rowBytes;
              functions.depthwiseFilterRow(xAt, dyAt, sumsAt, owEnd - owStart, strideWidth * rowBytes, channels);
            }
          }
        }
      }
    }
    (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}

/**
 * Tile by doubling memcpy (`copyWithin`) on the wasm heap: the stock kernel computes an index
 * per element, and the BatchNorm gradient tiles [C] vectors to the full activation size.
 */
export function tile({ inputs, backend, attrs }: KernelArgs<{ x: TensorInfo }, { reps: number[] }>): TensorInfo {
  const { x } = inputs;
  const rank = x.shape.length;
  const outShape = x.shape.map((size, axis) => size * attrs.reps[axis]!);
  const out = backend.makeOutput(outShape, x.dtype);
  const total = outShape.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  if (rank === 0) {
    (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(x) as Float32Array);
    return out;
  }
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const inStrides = new Array<number>(rank);
  const outStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  outStrides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) {
    inStrides[axis] = inStrides[axis + 1]! * x.shape[axis + 1]!;
    outStrides[axis] = outStrides[axis + 1]! * outShape[axis + 1]!;
  }
  // Writes one repetition of the input block of `axis` at `outOffset`, then doubles it in place.
  const fill = (axis: number, inOffset: number, outOffset: number): void => {
    const block = x.shape[axis]! * outStrides[axis]!;
    if (axis === rank - 1) {
      target.set(source.subarray(inOffset, inOffset + x.shape[axis]!), outOffset);
    } else {
      for (let i = 0; i < x.shape[axis]!; i++) fill(axis + 1, inOffset + i * inStrides[axis]!, outOffset + i * outStrides[axis]!);
    }
    const end = outOffset + block * attrs.reps[axis]!;
    for (let filled = block; outOffset + filled < end; filled *= 2) {
      target.copyWithin(outOffset + filled, outOffset, Math.min(outOffset + filled * 2, end) - filled);
    }
  };
  fill(0, 0, 0);
  return out;
}

/**
 * Identity without a copy. The engine clones every tensor it saves for the backward pass
 * (`Identity`), and the stock wasm kernel memcpys each one, doubling the memory of saved
 * activations. Tensors are immutable, so sharing the data (as the cpu backend does) is safe.
 */
export function identity(args: KernelArgs<{ x: TensorInfo }, Record<string, never>>): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runStockKernel('Identity', args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** Cast to the same dtype shares the data (moments() casts float32 to float32); others as stock. */
export function cast(args: KernelArgs<{ x: TensorInfo }, { dtype: tf.DataType }>): TensorInfo {
  if (args.inputs.x.dtype === args.attrs.dtype && args.attrs.dtype !== 'string') return identity(args as never);
  return runStockKernel('Cast', args);
}

/**
 * Sum and Mean over contiguous axes of a float32 tensor whose trailing (kept) size is a
 * multiple of 4: BatchNorm's statistics and their gradients ([0, 1, 2] of NHWC), spatial means
 * ([1, 2]). One SIMD pass over the data; the stock kernels first transpose the whole tensor to
 * put the reduced axes last. Other cases run the stock kernels.
 */
function reduceContiguous(kernelName: 'Sum' | 'Mean', args: KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>): TensorInfo {
  const { x } = args.inputs;
  const axes = tf.util.parseAxisParam(args.attrs.axis, x.shape).sort((a, b) => a - b);
  const contiguous = axes.length > 0 && axes.every((axis, index) => axis === axes[0]! + index);
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const outer = contiguous ? size(x.shape.slice(0, axes[0])) : 0;
  const rows = contiguous ? size(axes.map((axis) => x.shape[axis]!)) : 0;
  const inner = contiguous ? size(x.shape.slice(axes[axes.length - 1]! + 1)) : 0;
  if (x.dtype !== 'float32' || !contiguous || rows === 0 || inner === 0 || inner % 4 !== 0 || outer === 0) return runStockKernel(kernelName, args);
  const outShape = args.attrs.keepDims ? x.shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim)) : x.shape.filter((_, axis) => !axes.includes(axis));
  const backend = args.backend as unknown as WasmHeapBackend;
  const functions = simdFor(backend);
  const out = backend.makeOutput(outShape, 'float32');
  const scratch = backend.makeOutput([2 * inner + 1], 'float32');
  try {
    const source = byteOffset(backend, x);
    const sumsOffset = byteOffset(backend, scratch) + (byteOffset(backend, scratch) % 8);
    const sums = new Float64Array((backend.typedArrayFromHeap(scratch) as Float32Array).buffer, sumsOffset, inner);
    const target = backend.typedArrayFromHeap(out) as Float32Array;
    const divisor = kernelName === 'Mean' ? rows : 1;
    for (let o = 0; o < outer; o++) {
      sums.fill(0);
      functions.columnSums(source + 4 * o * rows * inner, sumsOffset, rows, inner);
      for (let i = 0; i < inner; i++) target[o * inner + i] = sums[i]! / divisor;
    }
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}

export const sum = (args: KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>): TensorInfo => reduceContiguous('Sum', args);
export const mean = (args: KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>): TensorInfo => reduceContiguous('Mean', args);

/**
 * FusedBatchNorm (the forward BatchNorm, training and inference) in one SIMD pass when x is
 * float32 with a last axis C that is a multiple of 4 and every parameter has C values:
 * (x - mean) * (scale / sqrt(variance + epsilon)) + offset. The stock kernel is a scalar loop
 * with a modulo per parameter and element. Other cases run the stock kernel.
 */
export function fusedBatchNorm(
  args: KernelArgs<{ x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo }, { varianceEpsilon: number }>,
): TensorInfo {
  const { x, mean, variance, offset, scale } = args.inputs;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const parameters = [mean, variance, offset, scale].filter((t): t is TensorInfo => t != null);
  if (
    x.dtype !== 'float32' || channels === 0 || channels % 4 !== 0 || size(x.shape) === 0 ||
    parameters.some((t) => t.dtype !== 'float32' || size(t.shape) !== channels)
  ) {
    return runStockKernel('FusedBatchNorm', args);
  }
  const backend = args.backend as unknown as WasmHeapBackend;
  const functions = simdFor(backend);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const packed = backend.makeOutput([3 * channels], 'float32');
  try {
    const read = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    const [meanValues, varianceValues] = [read(mean), read(variance)];
    const offsetValues = offset != null ? read(offset) : null;
    const scaleValues = scale != null ? read(scale) : null;
    const target = read(packed);
    for (let c = 0; c < channels; c++) {
      target[c] = meanValues[c]!;
      target[channels + c] = (scaleValues?.[c] ?? 1) / Math.sqrt(varianceValues[c]! + args.attrs.varianceEpsilon);
      target[2 * channels + c] = offsetValues?.[c] ?? 0;
    }
    functions.normalizeChannels(byteOffset(backend, x), byteOffset(backend, packed), byteOffset(backend, out), size(x.shape) / channels, channels);
  } finally {
    backend.disposeData(packed.dataId);
  }
  return out;
}

/**
 * Slice as contiguous block copies on the wasm heap: the trailing axes that are taken whole
 * form one block, copied with `TypedArray.set`. The stock kernel computes an index per element
 * for rank 4 and up (the ZeroPadding2D gradient slices whole activations).
 */
export function slice(args: KernelArgs<{ x: TensorInfo }, { begin: number | number[]; size: number | number[] }>): TensorInfo {
  const { x } = args.inputs;
  const backend = args.backend;
  const rank = x.shape.length;
  if (x.dtype === 'string' || rank === 0) return runStockKernel('Slice', args);
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, args.attrs.begin, args.attrs.size);
  const total = size.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(size, x.dtype);
  if (total === 0) return out;
  // Innermost axes taken whole, plus the first partial one, form the contiguous block.
  let blockAxis = rank - 1;
  while (blockAxis > 0 && begin[blockAxis] === 0 && size[blockAxis] === x.shape[blockAxis]) blockAxis--;
  let block = 1;
  for (let axis = blockAxis; axis < rank; axis++) block *= size[axis]!;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1]! * x.shape[axis + 1]!;
  let start = 0;
  for (let axis = 0; axis < rank; axis++) start += begin[axis]! * strides[axis]!;
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const blocks = total / block;
  const index = new Array<number>(blockAxis).fill(0);
  for (let b = 0, to = 0; b < blocks; b++, to += block) {
    let from = start;
    for (let axis = 0; axis < blockAxis; axis++) from += index[axis]! * strides[axis]!;
    target.set(source.subarray(from, from + block), to);
    // Next block: an odometer over the outer axes.
    for (let axis = blockAxis - 1; axis >= 0; axis--) {
      if (++index[axis]! < size[axis]!) break;
      index[axis] = 0;
    }
  }
  return out;
}

/**
 * Transpose of 4-byte elements whose permutation, after merging axes that stay adjacent, swaps
 * two blocks ([1, 0]: a matrix transpose) or two blocks under a batch axis ([0, 2, 1]), with both
 * sides a multiple of 4: 4x4 SIMD blocks. Other cases run the stock kernel.
 */
export function transpose(args: KernelArgs<{ x: TensorInfo }, { perm: number[] }>): TensorInfo {
  const { x } = args.inputs;
  const perm = args.attrs.perm;
  // Merge runs of consecutive axes (i, i + 1, ...) in perm into single axes.
  const groups: number[][] = [];
  for (const axis of perm) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1]! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const groupSize = (group: number[]) => group.reduce((size, axis) => size * x.shape[axis]!, 1);
  const order = groups.map((group) => group[0]!);
  let batch = 1;
  let rows = 0;
  let columns = 0;
  if (groups.length === 2 && order[0]! > order[1]!) {
    [rows, columns] = [groupSize(groups[1]!), groupSize(groups[0]!)];
  } else if (groups.length === 3 && order[0] === 0 && order[1]! > order[2]!) {
    [batch, rows, columns] = [groupSize(groups[0]!), groupSize(groups[2]!), groupSize(groups[1]!)];
  }
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || rows === 0 || columns === 0 || rows % 4 !== 0 || columns % 4 !== 0) {
    return runStockKernel('Transpose', args);
  }
  const backend = args.backend as unknown as WasmHeapBackend;
  const out = backend.makeOutput(perm.map((axis) => x.shape[axis]!), x.dtype);
  const functions = simdFor(backend);
  const source = byteOffset(backend, x);
  const target = byteOffset(backend, out);
  const matrixBytes = 4 * rows * columns;
  const wholeBands = rows - (rows % 16);
  const pool = poolFor(backend);
  for (let b = 0; b < batch; b++) {
    const [from, to] = [source + b * matrixBytes, target + b * matrixBytes];
    // Large matrices: bands of rows shared out between threads (the same two functions).
    if (pool?.transpose(from, to, rows, columns) === true) continue;
    if (wholeBands > 0) functions.transpose16(from, to, wholeBands, columns, rows);
    if (wholeBands < rows) functions.transpose4(from + 4 * wholeBands * columns, to + 4 * wholeBands, rows - wholeBands, columns, rows);
  }
  return out;
}

/** Kernels this package registers for the wasm backend, by TF.js kernel name. */
export const wasmTrainingKernels: Readonly<Record<string, (args: never) => TensorInfo>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  Tile: tile,
  Slice: slice,
  Transpose: transpose,
  Identity: identity,
  Cast: cast,
  Sum: sum,
  Mean: mean,
  FusedBatchNorm: fusedBatchNorm,
};
