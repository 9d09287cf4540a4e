/**
 * The names of the custom TF.js kernels that `@art/backend` registers and `@art/efficientnet`
 * looks up (as tfjs-core's `kernel_names.ts` declares its own). Shared as source, bundled into
 * each package, so that efficientnet can find the kernels by name without depending on backend.
 */

/** SiLU, `x * sigmoid(x)`, in one pass. Inputs `{ x }`. */
export const siluKernelName = 'ArtSilu';
/** SiLU's derivative times the incoming gradient. Inputs `{ x, dy }`. */
export const siluGradKernelName = 'ArtSiluGrad';
/** Squeeze-excitation scaling `x * gate`. Inputs `{ x: [N, H, W, C], scale: [N, C] or [N, 1, 1, C] }`. */
export const scaleChannelsKernelName = 'ArtScaleChannels';
/** Training-mode BatchNorm. Inputs `{ x, scale, offset }`, attrs `{ varianceEpsilon }`; outputs `[y, batch mean, batch variance]`. */
export const batchNormTrainingKernelName = 'ArtBatchNormTraining';
/** `ArtBatchNormTraining`'s backward pass. Outputs `[dx, dScale, dOffset]`. */
export const batchNormTrainingGradKernelName = 'ArtBatchNormTrainingGrad';
