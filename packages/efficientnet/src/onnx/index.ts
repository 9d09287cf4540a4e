/** ONNX export of any network this package builds, and inference on ONNX Runtime. */
export { ONNX_LAYOUTS, defaultOnnxOutput, exportOnnx } from './export.js';
export type { OnnxExportOptions, OnnxLayout } from './export.js';
export {
  ONNX_EXECUTION_PROVIDERS,
  createOnnxInferenceFunction,
  createOnnxSession,
  isOnnxRuntimeAvailable,
  loadOnnxRuntime,
} from './runtime.js';
export type {
  OnnxExecutionProvider,
  OnnxInferenceFunction,
  OnnxInferenceFunctionOptions,
  OnnxRuntimeModule,
  OnnxRuntimeSession,
  OnnxRuntimeTensor,
  OnnxSession,
  OnnxSessionOptions,
} from './runtime.js';
