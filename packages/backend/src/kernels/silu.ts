import * as tf from '@tensorflow/tfjs';
import { siluGradKernelName, siluKernelName } from '../../../../internal/kernel-names.js';
import {
  activeBackendHas,
  checkSameShape,
  kernelConfig,
  requireFloat32,
  sizeOf,
  type CpuBackend,
} from './kernel-support.js';
import { byteOffset, simdFor, type WasmHeapBackend } from './simd-backend.js';
import type { TensorInfo } from './wasm-ops.js';

/**
 * SiLU and its gradient, one pass each: `ArtSilu` and `ArtSiluGrad` on wasm (SIMD on the heap)
 * and cpu (the reference loops), and ArtSilu's gradient. tfjs builds SiLU from three forward and
 * about six backward kernels. `@art/efficientnet`'s layers and `createInferenceFunction` look the
 * kernels up by name and fall back to plain ops.
 */

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
/** dy * silu'(x) = dy s (1 + x (1 - s)), s = sigmoid(x). */
const siluGradValue = (x: number, dy: number): number => {
  const s = 1 / (1 + Math.exp(-x));
  return dy * s * (1 + x * (1 - s));
};

function siluGradWasm({
  inputs,
  backend,
}: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmHeapBackend;
}): TensorInfo {
  const { x, dy } = inputs;
  requireFloat32(siluGradKernelName, x, dy);
  checkSameShape(siluGradKernelName, x, dy);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const size = sizeOf(x.shape);
  const vectorized = size - (size % 4);
  if (vectorized > 0)
    simdFor(backend).siluGrad(byteOffset(backend, x), byteOffset(backend, dy), byteOffset(backend, out), vectorized);
  if (vectorized < size) {
    const xValues = backend.typedArrayFromHeap(x) as Float32Array;
    const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
    const target = backend.typedArrayFromHeap(out) as Float32Array;
    for (let i = vectorized; i < size; i++) target[i] = siluGradValue(xValues[i]!, dyValues[i]!);
  }
  return out;
}

function siluGradCpu({
  inputs,
  backend,
}: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: CpuBackend;
}): TensorInfo {
  const { x, dy } = inputs;
  requireFloat32(siluGradKernelName, x, dy);
  checkSameShape(siluGradKernelName, x, dy);
  const xValues = backend.readSync(x.dataId);
  const dyValues = backend.readSync(dy.dataId);
  const values = new Float32Array(xValues.length);
  for (let i = 0; i < values.length; i++) values[i] = siluGradValue(xValues[i]!, dyValues[i]!);
  return backend.makeTensorInfo(x.shape.slice(), 'float32', values);
}
/** Reference (and fallback) implementations on the cpu backend. */
function siluCpu({ inputs, backend }: { inputs: { x: TensorInfo }; backend: CpuBackend }): TensorInfo {
  requireFloat32(siluKernelName, inputs.x);
  const source = backend.readSync(inputs.x.dataId);
  const values = new Float32Array(source.length);
  for (let i = 0; i < values.length; i++) values[i] = siluValue(source[i]!);
  return backend.makeTensorInfo(inputs.x.shape.slice(), 'float32', values);
}
/** SiLU's gradient: the fused kernel where the active backend has it, else plain ops. */
const siluGradient: tf.GradConfig = {
  kernelName: siluKernelName,
  inputsToSave: ['x'],
  gradFunc: (dyIn, saved) => {
    const dy = dyIn as tf.Tensor;
    const [x] = saved as [tf.Tensor];
    return {
      x: () => {
        if (activeBackendHas(siluGradKernelName))
          return tf.engine().runKernel(siluGradKernelName, { x, dy }) as tf.Tensor;
        const s = tf.sigmoid(x);
        return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s)))));
      },
    };
  },
};

export const siluKernels: tf.KernelConfig[] = [
  kernelConfig(siluKernelName, 'wasm', siluWasm),
  kernelConfig(siluKernelName, 'cpu', siluCpu),
  kernelConfig(siluGradKernelName, 'wasm', siluGradWasm),
  kernelConfig(siluGradKernelName, 'cpu', siluGradCpu),
];

export const siluGradients: tf.GradConfig[] = [siluGradient];
