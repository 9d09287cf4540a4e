import type * as tf from '@tensorflow/tfjs';

/** The wasm backend's own kernel configs that our registrations replaced. */
export const stockKernels = new Map<string, tf.KernelConfig | undefined>();

/** Runs the wasm backend's original kernel (for the cases our fast paths do not cover). */
export function runStockKernel(
  kernelName: string,
  args: { inputs: unknown; backend: unknown; attrs: unknown },
): tf.TensorInfo {
  const config = stockKernels.get(kernelName);
  if (config === undefined) throw new Error(`tfjs-backend-wasm has no "${kernelName}" kernel for this case.`);
  return config.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}
