/** Fast inference: BatchNorm folded into fused convolutions. */
export { foldBatchNorm } from './fold-batch-norm.js';
export type { BatchNormParameters, FoldedConvolution } from './fold-batch-norm.js';
export { createInferenceFunction } from './inference-function.js';
export type { InferenceFunction, InferenceFunctionOptions } from './inference-function.js';
