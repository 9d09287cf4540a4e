import * as tf from '@tensorflow/tfjs';
import {
  batchNormTrainingGradKernelName,
  batchNormTrainingKernelName,
  scaleChannelsKernelName,
  siluGradKernelName,
  siluKernelName,
} from '../../../../internal/kernel-names.js';
import { batchNormGradients, batchNormKernels } from './batch-norm.js';
import { convolutionGradientKernels } from './convolution-gradients.js';
import { layoutKernels } from './layout.js';
import { reductionGradients, reductionKernels } from './reductions.js';
import { scaleChannelsKernels } from './scale-channels.js';
import { siluGradients, siluKernels } from './silu.js';
import { stockKernels as replacedKernels } from './stock-kernels.js';

/**
 * Every kernel and gradient of this package, one file per family (as tfjs-backend-wasm's
 * `register_all_kernels.ts`). Configs under TF.js's own kernel names replace the wasm backend's
 * (`registerWasmTrainingKernels`); the `Art*` names are new and added by the two other
 * registration functions.
 */
const kernelConfigs: readonly tf.KernelConfig[] = [
  ...convolutionGradientKernels,
  ...layoutKernels,
  ...reductionKernels,
  ...batchNormKernels,
  ...siluKernels,
  ...scaleChannelsKernels,
];
const gradientConfigs: readonly tf.GradConfig[] = [...reductionGradients, ...batchNormGradients, ...siluGradients];

/**
 * The new kernel names each of the two other registration functions adds, and the kernels whose
 * gradients it registers (ArtSilu's gradient comes with the training kernels: without them
 * `@art/efficientnet`'s layers train through plain ops).
 */
const additions = {
  inference: { kernelNames: [siluKernelName, scaleChannelsKernelName], gradientsOf: [] },
  fusedTraining: {
    kernelNames: [siluGradKernelName, batchNormTrainingKernelName, batchNormTrainingGradKernelName],
    gradientsOf: [siluKernelName, batchNormTrainingKernelName],
  },
} as const satisfies Record<string, { kernelNames: readonly string[]; gradientsOf: readonly string[] }>;
const customKernelNames = new Set<string>([...additions.inference.kernelNames, ...additions.fusedTraining.kernelNames]);
const isStock = (config: { kernelName: string }): boolean => !customKernelNames.has(config.kernelName);

/** tfjs-core's gradient configs replaced by ours. */
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
  const configs = kernelConfigs.filter(isStock);
  for (const { kernelName, backendName, kernelFunc } of configs) {
    const current = tf.getKernel(kernelName, backendName);
    if (!replacedKernels.has(kernelName)) replacedKernels.set(kernelName, current);
    if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
    // Our fast paths fall back to the stock kernel, whose setup (cwrap of its C++ entry point)
    // must still run when the backend starts.
    const setupFunc = replacedKernels.get(kernelName)?.setupFunc;
    tf.registerKernel({ kernelName, backendName, kernelFunc, ...(setupFunc ? { setupFunc } : {}) });
  }
  for (const gradient of gradientConfigs.filter(isStock)) {
    if (!replacedGradients.has(gradient.kernelName))
      replacedGradients.set(gradient.kernelName, tf.getGradient(gradient.kernelName));
    tf.registerGradient(gradient);
  }
  return configs.map((config) => config.kernelName);
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
  for (const original of replacedGradients.values()) {
    if (original !== undefined) tf.registerGradient(original);
  }
  replacedGradients.clear();
}

/**
 * Registers the configs of `kernelNames` whose kernel the backend does not have yet (new kernel
 * names, so registering twice is a no-op) and the gradients of `gradientsOf`.
 */
function registerNewKernels({
  kernelNames,
  gradientsOf,
}: {
  kernelNames: readonly string[];
  gradientsOf: readonly string[];
}): string[] {
  for (const config of kernelConfigs) {
    if (kernelNames.includes(config.kernelName) && tf.getKernel(config.kernelName, config.backendName) === undefined)
      tf.registerKernel(config);
  }
  for (const gradient of gradientConfigs) if (gradientsOf.includes(gradient.kernelName)) tf.registerGradient(gradient);
  return [...kernelNames];
}

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
  return registerNewKernels(additions.inference);
}

/**
 * Registers `ArtSiluGrad` (SiLU's derivative times dy), `ArtBatchNormTraining` (inputs x,
 * scale, offset; attrs varianceEpsilon; outputs [y, batch mean, batch variance], the
 * statistics as tf.moments gives them) and `ArtBatchNormTrainingGrad` on the wasm backend
 * (WebAssembly SIMD passes over the heap) and the cpu backend (plain loops, the reference), and
 * the gradients of `ArtSilu` and `ArtBatchNormTraining`, so that both train. Adds names,
 * replaces nothing; idempotent. `initBackend({ backend: 'wasm' })` calls it.
 *
 * @returns the kernel names registered.
 * @example
 * registerFusedTrainingKernels();
 * const [y, mean, variance] = tf.engine().runKernel('ArtBatchNormTraining', { x, scale, offset }, { varianceEpsilon: 1e-3 }) as tf.Tensor[];
 */
export function registerFusedTrainingKernels(): string[] {
  return registerNewKernels(additions.fusedTraining);
}
