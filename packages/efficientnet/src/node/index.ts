/** Node-only helpers of @art/efficientnet: filesystem model I/O, safetensors files, parity runs. */
export { fileSystemHandler, writeFileAtomic } from './filesystem.js';
export { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js';
export { configFromFixture, loadFixtureModel, runParity } from './parity.js';
export type { FixtureManifest, FixtureModel, ParityOptions, ParityResult, ParityRow } from './parity.js';
export {
  DownloadError,
  cachedWeightsPath,
  downloadFile,
  fetchPretrainedWeights,
  fetchWeights,
  huggingFaceCacheDir,
  isOffline,
  torchHubCheckpointsDir,
  weightsUrl,
} from './download.js';
export type { DownloadOptions } from './download.js';
export { readWeightsFile } from './safetensors-file.js';
import './pretrained.js';
