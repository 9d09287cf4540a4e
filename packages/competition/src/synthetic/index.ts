export {
  generateSyntheticDataset,
  ensureSyntheticDataset,
  syntheticDatasetVersion,
  syntheticManifestName,
  type SyntheticDatasetOptions,
  type SyntheticDataset,
  type SyntheticTrainRecord,
  type SyntheticTestRecord,
} from './dataset.js';
export {
  createArtistStyle,
  syntheticArtistName,
  compositionKinds,
  strokeFieldKinds,
  type ArtistStyle,
  type CompositionKind,
  type StrokeFieldKind,
  type Rgb,
} from './style.js';
export { renderPainting, quarterCropBox, cropImage, type SyntheticImage, type CropBox } from './render.js';
export { SyntheticRng } from './rng.js';
export { syntheticImageFormats, type SyntheticImageFormat } from './encode.js';
