export { initBackend, backendNames } from './init-backend.js';
export type { BackendRequest, BackendSelection, InitBackendOptions, SkippedBackend } from './init-backend.js';
export {
  registerFusedTrainingKernels,
  registerInferenceKernels,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from './kernels/register.js';
export {
  batchNormTrainingGradKernelName,
  batchNormTrainingKernelName,
  scaleChannelsKernelName,
  siluGradKernelName,
  siluKernelName,
} from '../../../internal/kernel-names.js';
export { createTrainStep, lossNames } from './train-step.js';
export type { LossFunction, LossName, TrainStep, TrainStepOptions } from './train-step.js';
export { activationPeakFactor, estimateTrainingMemory, wasmMemoryCeilingBytes } from './memory.js';
export type { TrainingMemoryEstimate, TrainingMemoryOptions } from './memory.js';
