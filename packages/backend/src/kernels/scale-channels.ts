import * as tf from '@tensorflow/tfjs';
import { scaleChannelsKernelName } from '../../../../internal/kernel-names.js';
import { kernelConfig, requireFloat32, type CpuBackend } from './kernel-support.js';
import { byteOffset, simdFor, type WasmHeapBackend } from './simd-backend.js';
import type { TensorInfo } from './wasm-ops.js';

/**
 * `x * scale` for NHWC `x` and a per-sample, per-channel `scale` (`[N, C]` or `[N, 1, 1, C]`):
 * the squeeze-excitation gate. One SIMD pass when C is a multiple of 4; otherwise the stock
 * broadcasting Multiply.
 */
function scaleChannelsWasm({
  inputs,
  backend,
}: {
  inputs: { x: TensorInfo; scale: TensorInfo };
  backend: WasmHeapBackend;
}): TensorInfo {
  const { x, scale } = inputs;
  requireFloat32(scaleChannelsKernelName, x, scale);
  const [batch, height, width, channels] = checkScaleShapes(x, scale);
  if (channels % 4 !== 0) {
    const multiply = tf.getKernel('Multiply', 'wasm')!;
    const gate: TensorInfo = { dataId: scale.dataId, shape: [batch, 1, 1, channels], dtype: scale.dtype };
    return multiply.kernelFunc({ inputs: { a: x, b: gate }, backend, attrs: {} }) as TensorInfo;
  }
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  if (batch * height * width * channels > 0) {
    simdFor(backend).scaleChannels(
      byteOffset(backend, x),
      byteOffset(backend, scale),
      byteOffset(backend, out),
      batch,
      height * width,
      channels,
    );
  }
  return out;
}

function checkScaleShapes(x: TensorInfo, scale: TensorInfo): [number, number, number, number] {
  if (x.shape.length !== 4)
    throw new Error(`${scaleChannelsKernelName}: x must be [N, H, W, C], got [${x.shape.join(', ')}]`);
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const flat =
    scale.shape.length === 2
      ? scale.shape
      : scale.shape.length === 4 && scale.shape[1] === 1 && scale.shape[2] === 1
        ? [scale.shape[0], scale.shape[3]]
        : null;
  if (flat === null || flat[0] !== batch || flat[1] !== channels) {
    throw new Error(
      `${scaleChannelsKernelName}: scale must be [${batch}, ${channels}] or [${batch}, 1, 1, ${channels}], got [${scale.shape.join(', ')}]`,
    );
  }
  return [batch, height, width, channels];
}
function scaleChannelsCpu({
  inputs,
  backend,
}: {
  inputs: { x: TensorInfo; scale: TensorInfo };
  backend: CpuBackend;
}): TensorInfo {
  const { x, scale } = inputs;
  requireFloat32(scaleChannelsKernelName, x, scale);
  const [, height, width, channels] = checkScaleShapes(x, scale);
  const source = backend.readSync(x.dataId);
  const gate = backend.readSync(scale.dataId);
  const values = new Float32Array(source.length);
  const perSample = height * width * channels;
  for (let i = 0; i < values.length; i++)
    values[i] = source[i]! * gate[Math.floor(i / perSample) * channels + (i % channels)]!;
  return backend.makeTensorInfo(x.shape.slice(), 'float32', values);
}

export const scaleChannelsKernels: tf.KernelConfig[] = [
  kernelConfig(scaleChannelsKernelName, 'wasm', scaleChannelsWasm),
  kernelConfig(scaleChannelsKernelName, 'cpu', scaleChannelsCpu),
];
