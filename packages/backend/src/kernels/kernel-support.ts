import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './wasm-ops.js';

/** What a kernel function receives on the wasm backend. */
export interface KernelArgs<Inputs, Attrs> {
  inputs: Inputs;
  backend: BackendWasm;
  attrs: Attrs;
}

/** The part of the cpu backend the reference kernels use. */
export interface CpuBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

/** A kernel config from a typed kernel function (TF.js types kernel functions loosely). */
export const kernelConfig = (
  kernelName: string,
  backendName: 'wasm' | 'cpu',
  kernelFunc: (args: never) => TensorInfo | TensorInfo[],
): tf.KernelConfig => ({
  kernelName,
  backendName,
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
});

export function requireFloat32(kernelName: string, ...tensors: (TensorInfo | undefined)[]): void {
  for (const t of tensors) {
    if (t !== undefined && t.dtype !== 'float32')
      throw new Error(`${kernelName} needs float32 tensors, got ${t.dtype}.`);
  }
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function checkSameShape(kernelName: string, a: TensorInfo, b: TensorInfo): void {
  if (!tf.util.arraysEqual(a.shape, b.shape))
    throw new Error(`${kernelName}: x and dy shapes differ: [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
}

/** Whether the active backend has `kernelName` (fused gradients fall back to plain ops where not). */
export const activeBackendHas = (kernelName: string): boolean =>
  tf.getKernel(kernelName, tf.getBackend()) !== undefined;
