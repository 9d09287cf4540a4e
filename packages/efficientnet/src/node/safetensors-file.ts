import { readFile } from 'node:fs/promises';
import {
  readSafetensors,
  writeSafetensors,
  type SafeTensorInput,
  type SafetensorsContents,
} from '../weights/safetensors.js';
import { readWeights, type ReadWeightsOptions, type WeightsContents } from '../weights/state-dict.js';
import { writeFileAtomic } from '../../../../internal/durable-fs.js';

/**
 * Reads and validates a `.safetensors` file (errors name the path).
 *
 * @example
 * const { tensors } = await readSafetensorsFile('model.safetensors');
 */
export async function readSafetensorsFile(path: string): Promise<SafetensorsContents> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`path must be a non-empty string; got ${String(path)}`);
  const buffer = await readFile(path);
  // A view, not a copy: large checkpoints (V2-L is ~470 MB) should not be held twice.
  return readSafetensors(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), { source: path });
}

/**
 * Writes tensors (or bytes from `exportTorchvisionWeights`) to a `.safetensors` file atomically.
 *
 * @example
 * await writeSafetensorsFile('export.safetensors', exportTorchvisionWeights(net));
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: Uint8Array | Readonly<Record<string, SafeTensorInput>> | ReadonlyMap<string, SafeTensorInput>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`path must be a non-empty string; got ${String(path)}`);
  const bytes = tensors instanceof Uint8Array ? tensors : writeSafetensors(tensors, metadata);
  await writeFileAtomic(path, bytes);
}

/**
 * Reads a `.pth` (torch.save, read safely) or `.safetensors` file, recognised by content, with
 * torchvision key names (see `readWeights`); errors name the path.
 *
 * @example
 * const { tensors, format, notes } = await readWeightsFile('efficientnet_b3_rwightman-cf984f9c.pth');
 */
export async function readWeightsFile(
  path: string,
  options: Omit<ReadWeightsOptions, 'source'> = {},
): Promise<WeightsContents> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`path must be a non-empty string; got ${String(path)}`);
  const buffer = await readFile(path);
  return readWeights(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), { ...options, source: path });
}
