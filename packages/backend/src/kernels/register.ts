import * as tf from '@tensorflow/tfjs';
import { stockKernels as replacedKernels } from './stock-kernels.js';
import { wasmTrainingKernels } from './training-kernels.js';
import { leanGradients } from './gradients.js';

/** tfjs-core's gradient configs replaced by `leanGradients`. */
const replacedGradients = new Map<string, tf.GradConfig | undefined>();

/**
 * Registers this package's training kernels for the `wasm` backend: the missing
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` and
 * `DepthwiseConv2dNativeBackpropFilter` (WebAssembly SIMD rows where channels allow); faster
 * `Conv2DBackpropInput`, `Tile`, `Slice` (block copies) and `Transpose` (4x4 SIMD blocks for
 * matrix and batched-matrix permutations); `Sum` and `Mean` over contiguous axes and the forward
 * `FusedBatchNorm` in one SIMD pass each (BatchNorm statistics and gradients, spatial means);
 * copy-free `Identity` and same-dtype `Cast`. Also installs leaner gradients for `FusedBatchNorm`, `Mean`
 * and `Sum` (same mathematics, fewer activation-sized temporaries); gradients are global in
 * TF.js, so these apply on every backend until `unregisterWasmTrainingKernels()`.
 * Idempotent; `initBackend({ backend: 'wasm' })` calls it for you.
 *
 * @returns the kernel names now served by this package.
 * @example
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 */
export function registerWasmTrainingKernels(): string[] {
  for (const [kernelName, kernelFunc] of Object.entries(wasmTrainingKernels)) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (!replacedKernels.has(kernelName)) replacedKernels.set(kernelName, current);
    if (current !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    // Our fast paths fall back to the stock kernel, whose setup (cwrap of its C++ entry point)
    // must still run when the backend starts.
    const setupFunc = replacedKernels.get(kernelName)?.setupFunc;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc, ...(setupFunc ? { setupFunc } : {}) });
  }
  for (const gradient of leanGradients) {
    if (!replacedGradients.has(gradient.kernelName)) replacedGradients.set(gradient.kernelName, tf.getGradient(gradient.kernelName));
    tf.registerGradient(gradient);
  }
  return Object.keys(wasmTrainingKernels);
}

/**
 * Registers each config whose kernel name the backend does not have yet (kernels that add new
 * names, so registering twice is a no-op).
 */
export function registerMissingKernels(configs: readonly tf.KernelConfig[]): void {
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
}

/**
 * Undoes `registerWasmTrainingKernels()`: restores the wasm backend's own kernels (and removes
 * the ones it did not have). Useful for before/after measurements and for tests.
 *
 * @example
 * unregisterWasmTrainingKernels(); // back to stock tfjs-backend-wasm
 */
export function unregisterWasmTrainingKernels(): void {
  for (const [kernelName, original] of replacedKernels) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    if (original !== undefined) tf.registerKernel(original);
  }
  replacedKernels.clear();
  for (const [kernelName, original] of replacedGradients) {
    if (original !== undefined) tf.registerGradient(original);
  }
  replacedGradients.clear();
}
