import { readFile } from 'node:fs/promises';
import { setWeightsProvider } from '../weights/pretrained.js';
import { fetchPretrainedWeights } from './download.js';

// Importing the Node subpath makes `efficientNet(name, { weights })` use PyTorch's cache.
setWeightsProvider(async (entry) => {
  const path = await fetchPretrainedWeights(entry.id);
  const buffer = await readFile(path);
  return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), source: path };
});
