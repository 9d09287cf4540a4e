import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
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
    const dyT = ops.reshape(ops.transpose(ops.reshape(dy, [positions, outChannels]), [1, 0]), [1, outChannels, positions]);
    const patchSize = filterHeight * filterWidth * inChannels;
    if (patchSize > 1 && inChannels < 16 && positions * patchSize <= im2colLimit) {
      // Few input channels (the stem): per-offset matmuls would be [outChannels x P] x [P x 3],
      // far too thin for XNNPACK. One matmul against a small im2col matrix instead.
      const pointwise = patchSize === inChannels && strideHeight === 1 && strideWidth === 1 && hasNoLeadingPadding(info) && outHeight === height && outWidth === width;
      const patches = pointwise ? ops.reshape(x, [1, positions, inChannels]) : ops.adopt(im2col(backend, x, info));
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
            const from = ((n * height + ih) * width + iw) * channels;
            target.set(source.subarray(from, from + channels), row + (kh * filterWidth + kw) * channels);
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
    if (pointwise) {
      const filterT = ops.transpose(ops.reshape(filter, [inChannels, outChannels]), [1, 0]);
      const product = ops.matMul(
        ops.reshape(dy, [1, batch * height * width, outChannels]),
        ops.reshape(filterT, [1, outChannels, inChannels]),
      );
      return ops.reshape(product, attrs.inputShape);
    }
    const flipped = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = ops.transpose(flipped, [0, 1, 3, 2]);
    const input = transposedConvolutionInput(ops, dy, info, height, width);
    return ops.run(
      'Conv2D',
      { x: input, filter: swapped },
      { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
  });
}

/**
 * Zero-dilates dY by the forward stride and pads/crops it so that a stride-1, unpadded
 * convolution with the flipped filter (at the forward dilation) yields exactly [H, W].
 */
function transposedConvolutionInput(
  ops: WasmOps,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  height: number,
  width: number,
): TensorInfo {
  const dilated = dilateSpatial(ops, dy, info.strideHeight, info.strideWidth);
  const dilatedHeight = dilated.shape[1]!;
  const dilatedWidth = dilated.shape[2]!;
  const top = (info.filterHeight - 1) * info.dilationHeight - info.padInfo.top;
  const left = (info.filterWidth - 1) * info.dilationWidth - info.padInfo.left;
  const bottom = height + info.padInfo.top - dilatedHeight;
  const right = width + info.padInfo.left - dilatedWidth;
  return padOrCropSpatial(ops, dilated, top, bottom, left, right);
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
    const flipped = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
    const convolve = (dyPart: TensorInfo, filterPart: TensorInfo): TensorInfo =>
      ops.run(
        'DepthwiseConv2dNative',
        { x: transposedConvolutionInput(ops, dyPart, info, height, width), filter: filterPart },
        { strides: [1, 1], pad: 'valid', dilations: [info.dilationHeight, info.dilationWidth], dimRoundingMode: undefined },
      );
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
 * DepthwiseConv2dNativeBackpropFilter: one fused multiply-accumulate pass over dY per filter
 * row, reading X and dY straight from the wasm heap (no slices, no temporaries) and
 * accumulating in float64.
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

/** Kernels this package registers for the wasm backend, by TF.js kernel name. */
export const wasmTrainingKernels: Readonly<Record<string, (args: never) => TensorInfo>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  Tile: tile,
  Identity: identity,
  Cast: cast,
};
