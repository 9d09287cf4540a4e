/**
 * `@art/augment/io`: image decoding / encoding through sharp and the preview grid. This is the
 * only entry of @art/augment that loads a native module. Plain baseline JPEGs decode through a
 * WebAssembly decoder with libjpeg-turbo's exact pixels (src/io/jpeg.ts), everything else through sharp.
 */
export {
  decodeImage,
  encodeJpeg,
  encodePng,
  writeImage,
  type AlphaMode,
  type DecodeImageOptions,
  type EncodeJpegOptions,
  type ImageDecoder,
  type EncodePngOptions,
  type ImageFormat,
  type ImageSource,
  type WriteImageOptions,
} from './sharp.js';
export {
  previewGrid,
  toDisplayable,
  type Denormalize,
  type PreviewGridEntry,
  type PreviewGridOptions,
} from './preview-grid.js';
