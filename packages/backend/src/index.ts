export { initBackend, backendNames } from './init-backend.js';
export type { BackendRequest, BackendSelection, InitBackendOptions, SkippedBackend } from './init-backend.js';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './kernels/register.js';
export { registerInferenceKernels, scaleChannelsKernelName, siluKernelName } from './kernels/inference-kernels.js';
export { batchNormTrainingGradKernelName, batchNormTrainingKernelName, registerFusedTrainingKernels, siluGradKernelName } from './kernels/fused-kernels.js';
export { createTrainStep, lossNames } from './train-step.js';
export type { LossFunction, LossName, TrainStep, TrainStepOptions } from './train-step.js';
export { activationPeakFactor, estimateTrainingMemory, wasmMemoryCeilingBytes } from './memory.js';
export type { TrainingMemoryEstimate, TrainingMemoryOptions } from './memory.js';
