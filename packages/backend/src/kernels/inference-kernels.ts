import * as tf from '@tensorflow/tfjs';
import { registerMissingKernels } from './register.js';
import { byteOffset, simdFor, type WasmHeapBackend } from './simd-backend.js';
import type { TensorInfo } from './wasm-ops.js';

/**
 * Kernel names this package adds (they are not TF.js kernels; `@art/efficientnet`'s
 * `createInferenceFunction` looks them up by these names and falls back to plain ops).
 */
export const siluKernelName = 'ArtSilu';
export const scaleChannelsKernelName = 'ArtScaleChannels';

function requireFloat32(kernelName: string, ...tensors: TensorInfo[]): void {
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`${kernelName} needs float32 tensors, got ${t.dtype}.`);
  }
}

const siluValue = (x: number): number => x / (1 + Math.exp(-x));

/**
 * SiLU (`x * sigmoid(x)`) in one SIMD pass over the wasm heap. tfjs-backend-wasm needs two
 * kernels for it (Sigmoid, then Multiply: a scalar loop), and an activation-sized temporary.
 */
function siluWasm({ inputs, backend }: { inputs: { x: TensorInfo }; backend: WasmHeapBackend }): TensorInfo {
  const { x } = inputs;
  requireFloat32(siluKernelName, x);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const size = tf.util.sizeFromShape(x.shape);
  const vectorized = size - (size % 4);
  if (vectorized > 0) simdFor(backend).silu(byteOffset(backend, x), byteOffset(backend, out), vectorized);
  if (vectorized < size) {
    // Heap views are taken after the allocation above: growing the heap replaces its buffer.
    const source = backend.typedArrayFromHeap(x) as Float32Array;
    const target = backend.typedArrayFromHeap(out) as Float32Array;
    for (let i = vectorized; i < size; i++) target[i] = siluValue(source[i]!);
  }
  return out;
}

/**
 * `x * scale` for NHWC `x` and a per-sample, per-channel `scale` (`[N, C]` or `[N, 1, 1, C]`):
 * the squeeze-excitation gate. One SIMD pass when C is a multiple of 4; otherwise the stock
 * broadcasting Multiply.
 */
function scaleChannelsWasm({ inputs, backend }: { inputs: { x: TensorInfo; scale: TensorInfo }; backend: WasmHeapBackend }): TensorInfo {
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
    simdFor(backend).scaleChannels(byteOffset(backend, x), byteOffset(backend, scale), byteOffset(backend, out), batch, height * width, channels);
  }
  return out;
}

function checkScaleShapes(x: TensorInfo, scale: TensorInfo): [number, number, number, number] {
  if (x.shape.length !== 4) throw new Error(`${scaleChannelsKernelName}: x must be [N, H, W, C], got [${x.shape.join(', ')}]`);
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const flat = scale.shape.length === 2 ? scale.shape : scale.shape.length === 4 && scale.shape[1] === 1 && scale.shape[2] === 1 ? [scale.shape[0], scale.shape[3]] : null;
  if (flat === null || flat[0] !== batch || flat[1] !== channels) {
    throw new Error(`${scaleChannelsKernelName}: scale must be [${batch}, ${channels}] or [${batch}, 1, 1, ${channels}], got [${scale.shape.join(', ')}]`);
  }
  return [batch, height, width, channels];
}

interface CpuBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

/** Reference (and fallback) implementations on the cpu backend. */
function siluCpu({ inputs, backend }: { inputs: { x: TensorInfo }; backend: CpuBackend }): TensorInfo {
  requireFloat32(siluKernelName, inputs.x);
  const source = backend.readSync(inputs.x.dataId);
  const values = new Float32Array(source.length);
  for (let i = 0; i < values.length; i++) values[i] = siluValue(source[i]!);
  return backend.makeTensorInfo(inputs.x.shape.slice(), 'float32', values);
}

function scaleChannelsCpu({ inputs, backend }: { inputs: { x: TensorInfo; scale: TensorInfo }; backend: CpuBackend }): TensorInfo {
  const { x, scale } = inputs;
  requireFloat32(scaleChannelsKernelName, x, scale);
  const [, height, width, channels] = checkScaleShapes(x, scale);
  const source = backend.readSync(x.dataId);
  const gate = backend.readSync(scale.dataId);
  const values = new Float32Array(source.length);
  const perSample = height * width * channels;
  for (let i = 0; i < values.length; i++) values[i] = source[i]! * gate[Math.floor(i / perSample) * channels + (i % channels)]!;
  return backend.makeTensorInfo(x.shape.slice(), 'float32', values);
}

const kernels: tf.KernelConfig[] = [
  { kernelName: siluKernelName, backendName: 'wasm', kernelFunc: siluWasm as unknown as tf.KernelFunc },
  { kernelName: scaleChannelsKernelName, backendName: 'wasm', kernelFunc: scaleChannelsWasm as unknown as tf.KernelFunc },
  { kernelName: siluKernelName, backendName: 'cpu', kernelFunc: siluCpu as unknown as tf.KernelFunc },
  { kernelName: scaleChannelsKernelName, backendName: 'cpu', kernelFunc: scaleChannelsCpu as unknown as tf.KernelFunc },
];

/**
 * Registers `ArtSilu` (SiLU) and `ArtScaleChannels` (per-sample channel scaling) on the wasm
 * backend (one WebAssembly SIMD pass each, on the backend's heap) and on the cpu backend
 * (plain loops, the reference). They add kernel names and replace nothing; no gradients here
 * (`registerFusedTrainingKernels()` adds ArtSilu's). `initBackend({ backend: 'wasm' })` calls it; idempotent.
 *
 * @returns the kernel names registered.
 * @example
 * registerInferenceKernels();
 * const y = tf.engine().runKernel('ArtSilu', { x }) as tf.Tensor;
 */
export function registerInferenceKernels(): string[] {
  registerMissingKernels(kernels);
  return [siluKernelName, scaleChannelsKernelName];
}
