import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { kernelConfig, requireFloat32, type KernelArgs } from './kernel-support.js';
import { byteOffset, poolFor, simdFor, type WasmHeapBackend } from './simd-backend.js';
import { depthwiseFilterOffsets } from './simd-pool.js';
import { dilateSpatial, padOrCropSpatial, withWasmOps, type TensorInfo, type WasmOps } from './wasm-ops.js';

/**
 * The convolution gradients on wasm: the three kernels tfjs-backend-wasm lacks for training
 * (Conv2DBackpropFilter and both depthwise gradients) and a faster Conv2DBackpropInput, built
 * on the backend's own XNNPACK kernels and the SIMD module.
 */

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Pair = number | [number, number];
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** The attributes of the convolution gradient kernels (depthwise ones carry dilations, not a dataFormat). */
interface ConvolutionAttrs {
  strides: Pair;
  dilations?: Pair;
  pad: Pad;
  dimRoundingMode?: RoundingMode;
  dataFormat?: 'NHWC' | 'NCHW';
}

/** A filter gradient's arguments: the forward input and dY, the filter's shape. */
type FilterGradientArgs = KernelArgs<
  { x: TensorInfo; dy: TensorInfo },
  ConvolutionAttrs & { filterShape: [number, number, number, number] }
>;
/** An input gradient's arguments: dY and the filter, the forward input's shape. */
type InputGradientArgs = KernelArgs<
  { dy: TensorInfo; filter: TensorInfo },
  ConvolutionAttrs & { inputShape: [number, number, number, number] }
>;

/**
 * The geometry of the forward (depthwise) convolution a gradient kernel belongs to, from its NHWC
 * input shape, filter shape and attributes (the regular convolution gradients carry no dilations).
 */
function convolutionInfo(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvolutionAttrs,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

function requireChannelsLast(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on the wasm backend supports dataFormat 'NHWC' only, got '${dataFormat}'.`);
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
export function conv2DBackpropFilter({ inputs, backend, attrs }: FilterGradientArgs): TensorInfo {
  const { x, dy } = inputs;
  requireChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  requireFloat32('Conv2DBackpropFilter', x, dy);
  const info = convolutionInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs, false);
  return withWasmOps(backend, (ops) => {
    const [batch, height, width, inChannels] = x.shape as [number, number, number, number];
    const { outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const { dilationHeight, dilationWidth } = info;
    const positions = batch * outHeight * outWidth;
    const patchSize = filterHeight * filterWidth * inChannels;
    const pointwiseSameSize =
      patchSize === inChannels &&
      strideHeight === 1 &&
      strideWidth === 1 &&
      hasNoLeadingPadding(info) &&
      outHeight === height &&
      outWidth === width;
    if (pointwiseSameSize && inChannels > outChannels) {
      // A projecting 1x1 convolution: dW = X^T dY, so that XNNPACK packs dY, the smaller
      // operand, as its weights. Packing a fresh [P, C] right operand costs several times a
      // SIMD transpose of it (in a training step, ~17 ms for a [12544, 144] one).
      const xT = ops.reshape(ops.transpose(ops.reshape(x, [positions, inChannels]), [1, 0]), [
        1,
        inChannels,
        positions,
      ]);
      return ops.reshape(ops.matMul(xT, ops.reshape(dy, [1, positions, outChannels])), [1, 1, inChannels, outChannels]);
    }
    const dyT = ops.reshape(ops.transpose(ops.reshape(dy, [positions, outChannels]), [1, 0]), [
      1,
      outChannels,
      positions,
    ]);
    if (patchSize > 1 && inChannels < 16 && positions * patchSize <= im2colLimit) {
      // Few input channels (the stem): per-offset matmuls would be [outChannels x P] x [P x 3],
      // far too thin for XNNPACK. One matmul against a small im2col matrix instead.
      const patches = pointwiseSameSize
        ? ops.reshape(x, [1, positions, inChannels])
        : ops.adopt(im2col(backend, x, info));
      const product = ops.matMul(dyT, patches); // [outChannels, KH·KW·inChannels]
      return ops.reshape(ops.transpose(ops.reshape(product, [outChannels, patchSize]), [1, 0]), [
        filterHeight,
        filterWidth,
        inChannels,
        outChannels,
      ]);
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
    const ordered = ops.transpose(
      ops.reshape(stacked, [filterHeight * filterWidth, outChannels, inChannels]),
      [0, 2, 1],
    );
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
  const out = backend.makeOutput(
    [1, batch * info.outHeight * info.outWidth, info.filterHeight * info.filterWidth * channels],
    'float32',
  );
  patchLoop(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(out) as Float32Array,
    [batch, height, width, channels],
    info,
    'gather',
  );
  return out;
}

/** Sums [1, N·OH·OW, KH·KW·C] patch gradients into an NHWC tensor of `inputShape` (im2col's adjoint). */
function col2im(
  backend: BackendWasm,
  columns: TensorInfo,
  inputShape: [number, number, number, number],
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const out = backend.makeOutput(inputShape.slice(), 'float32');
  patchLoop(
    backend.typedArrayFromHeap(out) as Float32Array,
    backend.typedArrayFromHeap(columns) as Float32Array,
    inputShape,
    info,
    'scatterAdd',
  );
  return out;
}

/**
 * The loop nest of im2col and col2im over every (output pixel, filter offset) whose input pixel
 * is inside the image: 'gather' zeroes `patches` and copies the pixels of `image` into it;
 * 'scatterAdd' zeroes `image` and adds the patch values back into their pixels. Heap views are
 * taken by the callers after their allocations (growing the heap replaces its buffer).
 */
function patchLoop(
  image: Float32Array,
  patches: Float32Array,
  [batch, height, width, channels]: [number, number, number, number],
  info: tf.backend_util.Conv2DInfo,
  direction: 'gather' | 'scatterAdd',
): void {
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
  const patchSize = filterHeight * filterWidth * channels;
  const gather = direction === 'gather';
  (gather ? patches : image).fill(0);
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
            // Index loops: a subarray per (pixel, offset) costs more than moving 3 floats.
            const pixel = ((n * height + ih) * width + iw) * channels;
            const patch = row + (kh * filterWidth + kw) * channels;
            if (gather) for (let c = 0; c < channels; c++) patches[patch + c] = image[pixel + c]!;
            else for (let c = 0; c < channels; c++) image[pixel + c]! += patches[patch + c]!;
          }
        }
      }
    }
  }
}

/**
 * Conv2DBackpropInput as a stride-1 XNNPACK convolution of the zero-dilated, padded dY with
 * the spatially flipped, in/out-swapped filter; a 1x1 stride-1 convolution is one matmul.
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: InputGradientArgs): TensorInfo {
  const { dy, filter } = inputs;
  requireChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
  requireFloat32('Conv2DBackpropInput', dy, filter);
  const info = convolutionInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs, false);
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
      const columns = ops.matMul(
        ops.reshape(dy, [1, positions, outChannels]),
        ops.reshape(filterT, [1, outChannels, patchSize]),
      );
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
      target.set(
        source.subarray(from, from + block),
        ((filterHeight - 1 - kh) * filterWidth + (filterWidth - 1 - kw)) * block,
      );
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
  const input = padOrCropSpatial(
    ops,
    dilated,
    Math.min(0, top),
    Math.min(0, bottom),
    Math.min(0, left),
    Math.min(0, right),
  );
  return {
    input,
    padding: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * DepthwiseConv2dNativeBackpropInput as an XNNPACK depthwise convolution of the dilated,
 * padded dY with the spatially flipped filter (one per channel multiplier, summed).
 */
export function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: InputGradientArgs): TensorInfo {
  const { dy, filter } = inputs;
  requireFloat32('DepthwiseConv2dNativeBackpropInput', dy, filter);
  const info = convolutionInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs, true);
  return withWasmOps(backend, (ops) => {
    const [, height, width, channels] = attrs.inputShape;
    const [filterHeight, filterWidth, , multiplier] = filter.shape as [number, number, number, number];
    const flipped = ops.adopt(flipSpatially(backend, filter));
    const convolve = (dyPart: TensorInfo, filterPart: TensorInfo): TensorInfo => {
      const { input, padding } = transposedConvolutionInput(ops, dyPart, info, height, width);
      return ops.run(
        'DepthwiseConv2dNative',
        { x: input, filter: filterPart },
        {
          strides: [1, 1],
          pad: padding,
          dilations: [info.dilationHeight, info.dilationWidth],
          dimRoundingMode: undefined,
        },
      );
    };
    if (multiplier === 1) return convolve(dy, flipped);
    const [batch, outHeight, outWidth] = dy.shape as [number, number, number, number];
    const terms: TensorInfo[] = [];
    for (let m = 0; m < multiplier; m++) {
      const dyPart = ops.stridedSlice(
        dy,
        [0, 0, 0, m],
        [batch, outHeight, outWidth, channels * multiplier],
        [1, 1, 1, multiplier],
      );
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
export function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: FilterGradientArgs): TensorInfo {
  const { x, dy } = inputs;
  requireFloat32('DepthwiseConv2dNativeBackpropFilter', x, dy);
  const info = convolutionInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs, true);
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
  const multiplier = attrs.filterShape[3];
  const outChannels = channels * multiplier;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  if (multiplier === 1 && channels % 4 === 0 && channels > 0)
    return depthwiseFilterGradientSimd(backend as unknown as WasmHeapBackend, x, dy, info, attrs.filterShape);
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
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
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
    // Offsets own disjoint sums: with helper threads they are shared out, one offset per chunk.
    const args = [
      xBase,
      dyBase,
      sumsOffset,
      batch,
      height,
      width,
      channels,
      outHeight,
      outWidth,
      strideHeight,
      strideWidth,
      dilationHeight,
      dilationWidth,
      top,
      left,
      filterWidth,
    ];
    if (poolFor(backend)?.depthwiseFilter(args, offsets) !== true) depthwiseFilterOffsets(functions, args, 0, offsets);
    (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}

/** Replace the wasm backend's kernels of the same names (see `registerWasmTrainingKernels`). */
export const convolutionGradientKernels: tf.KernelConfig[] = [
  kernelConfig('Conv2DBackpropFilter', 'wasm', conv2DBackpropFilter),
  kernelConfig('Conv2DBackpropInput', 'wasm', conv2DBackpropInput),
  kernelConfig('DepthwiseConv2dNativeBackpropInput', 'wasm', depthwiseConv2dNativeBackpropInput),
  kernelConfig('DepthwiseConv2dNativeBackpropFilter', 'wasm', depthwiseConv2dNativeBackpropFilter),
];
