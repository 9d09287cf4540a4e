/**
 * The "before" of the benchmark: the three kernels tfjs-backend-wasm lacks, written as plain
 * JavaScript loops over the wasm heap (what the issue measured), so that stock TF.js can train.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Args = { inputs: Record<string, tf.TensorInfo>; backend: BackendWasm; attrs: Record<string, never> };

function conv2DBackpropFilterNaive({ inputs: { x, dy }, backend, attrs }: Args): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x!.shape as never,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [batch, height, width, inC] = x!.shape as number[];
  const { outHeight, outWidth, outChannels: outC, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const out = backend.makeOutput(info.filterShape, 'float32');
  const xs = backend.typedArrayFromHeap(x!) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy!) as Float32Array;
  const dw = backend.typedArrayFromHeap(out) as Float32Array;
  dw.fill(0);
  for (let n = 0; n < batch!; n++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++)
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - info.padInfo.top;
          if (ih < 0 || ih >= height!) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - info.padInfo.left;
            if (iw < 0 || iw >= width!) continue;
            const xBase = ((n * height! + ih) * width! + iw) * inC!;
            const dyBase = ((n * outHeight + oh) * outWidth + ow) * outC;
            const wBase = (kh * filterWidth + kw) * inC! * outC;
            for (let ci = 0; ci < inC!; ci++) {
              const xv = xs[xBase + ci]!;
              const row = wBase + ci * outC;
              for (let co = 0; co < outC; co++) dw[row + co]! += xv * dys[dyBase + co]!;
            }
          }
        }
  return out;
}

function depthwiseBackpropInputNaive({ inputs: { dy, filter }, backend, attrs }: Args): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter!.shape as never,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [batch, height, width, channels] = attrs.inputShape as number[];
  const m = filter!.shape[3]!;
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
  const out = backend.makeOutput(attrs.inputShape, 'float32');
  const dys = backend.typedArrayFromHeap(dy!) as Float32Array;
  const ws = backend.typedArrayFromHeap(filter!) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const outC = channels! * m;
  for (let n = 0; n < batch!; n++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight + kh * dilationHeight - info.padInfo.top;
        if (ih < 0 || ih >= height!) continue;
        for (let ow = 0; ow < outWidth; ow++)
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= width!) continue;
            const xBase = ((n * height! + ih) * width! + iw) * channels!;
            const dyBase = ((n * outHeight + oh) * outWidth + ow) * outC;
            const wBase = (kh * filterWidth + kw) * outC;
            for (let k = 0; k < outC; k++) dx[xBase + Math.floor(k / m)]! += dys[dyBase + k]! * ws[wBase + k]!;
          }
      }
  return out;
}

function depthwiseBackpropFilterNaive({ inputs: { x, dy }, backend, attrs }: Args): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x!.shape as never,
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [batch, height, width, channels] = x!.shape as number[];
  const m = (attrs.filterShape as number[])[3]!;
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  const xs = backend.typedArrayFromHeap(x!) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy!) as Float32Array;
  const dw = backend.typedArrayFromHeap(out) as Float32Array;
  dw.fill(0);
  const outC = channels! * m;
  for (let n = 0; n < batch!; n++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++)
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= height!) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= width!) continue;
            const xBase = ((n * height! + ih) * width! + iw) * channels!;
            const dyBase = ((n * outHeight + oh) * outWidth + ow) * outC;
            const wBase = (kh * filterWidth + kw) * outC;
            for (let k = 0; k < outC; k++) dw[wBase + k]! += xs[xBase + Math.floor(k / m)]! * dys[dyBase + k]!;
          }
        }
  return out;
}

/** Registers the plain-JS kernels for the wasm backend (replacing any registration). */
export function registerNaiveKernels(): void {
  const kernels: Record<string, (args: Args) => tf.TensorInfo> = {
    Conv2DBackpropFilter: conv2DBackpropFilterNaive,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInputNaive,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilterNaive,
  };
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
