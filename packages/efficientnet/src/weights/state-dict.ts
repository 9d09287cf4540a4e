/**
 * From any weights file to torchvision's names: the format is recognised from the bytes
 * (`.pth` zip, legacy `.pth`, `.safetensors`), a DataParallel `module.` prefix is stripped, and
 * timm's EfficientNet names (`conv_stem`, `blocks.i.j.conv_dw`, ...) are mapped onto torchvision's
 * (`features.0.0`, `features.<i+1>.<j>.block.<k>...`). Every such step is reported as a note.
 */
import { CheckpointFormatError } from './errors.js';
import { isLegacyTorchFile, legacyFormatMessage, readPth, type PthLimits } from './pytorch.js';
import { readSafetensors, type SafeTensor, type SafetensorsContents } from './safetensors.js';
import { isZipArchive } from './zip.js';

/** File formats {@link readWeights} recognises. */
export type WeightFileFormat = 'pth' | 'safetensors';

/** A weights file, read and renamed to torchvision's keys. */
export interface WeightsContents extends SafetensorsContents {
  readonly format: WeightFileFormat;
  /** What was done to reach torchvision names (checkpoint key, prefix, timm mapping), for reports. */
  readonly notes: readonly string[];
}

/** Options of {@link readWeights}. */
export interface ReadWeightsOptions {
  /** Name used in errors and notes. Default `"weights"`. */
  source?: string;
  /** Bounds for `.pth` pickles. */
  limits?: Partial<PthLimits>;
  /** Keep the file's own names (no `module.` stripping, no timm mapping). Default `false`. */
  keepNames?: boolean;
}

/** The format of a weights buffer, from its first bytes. */
export function detectWeightFormat(bytes: Uint8Array): WeightFileFormat | 'legacy-pth' {
  if (isZipArchive(bytes)) return 'pth';
  if (isLegacyTorchFile(bytes)) return 'legacy-pth';
  return 'safetensors';
}

// timm block modules → torchvision sub-paths, by block type (told apart by their module names).
const TIMM_BLOCKS: readonly { readonly marker: readonly string[]; readonly map: Readonly<Record<string, string>> }[] = [
  // InvertedResidual (MBConv with expansion)
  {
    marker: ['conv_pwl', 'conv_dw'],
    map: {
      conv_pw: '0.0',
      bn1: '0.1',
      conv_dw: '1.0',
      bn2: '1.1',
      'se.conv_reduce': '2.fc1',
      'se.conv_expand': '2.fc2',
      conv_pwl: '3.0',
      bn3: '3.1',
    },
  },
  // EdgeResidual (FusedMBConv with expansion)
  { marker: ['conv_exp'], map: { conv_exp: '0.0', bn1: '0.1', conv_pwl: '1.0', bn2: '1.1' } },
  // DepthwiseSeparableConv (MBConv, expand ratio 1)
  {
    marker: ['conv_dw'],
    map: {
      conv_dw: '0.0',
      bn1: '0.1',
      'se.conv_reduce': '1.fc1',
      'se.conv_expand': '1.fc2',
      conv_pw: '2.0',
      bn2: '2.1',
    },
  },
  // ConvBnAct (FusedMBConv, expand ratio 1)
  { marker: ['conv'], map: { conv: '0.0', bn1: '0.1' } },
];

const TIMM_BLOCK_KEY = /^blocks\.(\d+)\.(\d+)\.((?:se\.)?[a-z_0-9]+)\.([a-z_]+)$/;

/** `true` when the keys are timm's EfficientNet names. */
export function isTimmLayout(keys: Iterable<string>): boolean {
  for (const key of keys) if (key === 'conv_stem.weight') return true;
  return false;
}

/**
 * Maps timm EfficientNet / EfficientNetV2 key names onto torchvision's. Keys it cannot place
 * keep their timm name (and then show up as unexpected in a load report).
 *
 * @example
 * timmToTorchvisionKeys(['conv_stem.weight', 'blocks.1.0.conv_dw.weight']).get('blocks.1.0.conv_dw.weight'); // 'features.2.0.block.1.0.weight'
 */
export function timmToTorchvisionKeys(keys: Iterable<string>): Map<string, string> {
  const list = [...keys];
  const modulesOf = new Map<string, Set<string>>();
  let stages = 0;
  for (const key of list) {
    const match = TIMM_BLOCK_KEY.exec(key);
    if (!match) continue;
    const block = `${match[1]}.${match[2]}`;
    if (!modulesOf.has(block)) modulesOf.set(block, new Set());
    modulesOf.get(block)!.add(match[3]!);
    stages = Math.max(stages, Number(match[1]) + 1);
  }
  const result = new Map<string, string>();
  for (const key of list) {
    const [module, ...rest] = key.split('.');
    const tail = rest.join('.');
    let target: string | undefined;
    if (module === 'conv_stem') target = `features.0.0.${tail}`;
    else if (module === 'bn1' && rest.length === 1) target = `features.0.1.${tail}`;
    else if (module === 'conv_head') target = `features.${stages + 1}.0.${tail}`;
    else if (module === 'bn2' && rest.length === 1) target = `features.${stages + 1}.1.${tail}`;
    else if (module === 'classifier') target = `classifier.1.${tail}`;
    else {
      const match = TIMM_BLOCK_KEY.exec(key);
      if (match) {
        const modules = modulesOf.get(`${match[1]}.${match[2]}`)!;
        const kind = TIMM_BLOCKS.find((candidate) => candidate.marker.every((name) => modules.has(name)));
        const path = kind?.map[match[3]!];
        if (path) target = `features.${Number(match[1]) + 1}.${match[2]}.block.${path}.${match[4]}`;
      }
    }
    result.set(key, target ?? key);
  }
  return result;
}

/**
 * Renames a state dict to torchvision's keys: strips a `module.` prefix carried by every key
 * (DataParallel / DistributedDataParallel) and maps timm names. Returns the notes of what it did.
 *
 * @example
 * const { tensors, notes } = toTorchvisionNames(contents.tensors, 'model.pth');
 */
export function toTorchvisionNames(
  tensors: ReadonlyMap<string, SafeTensor>,
  source: string,
): { tensors: Map<string, SafeTensor>; notes: string[] } {
  const notes: string[] = [];
  let entries = [...tensors];
  if (entries.length > 0 && entries.every(([key]) => key.startsWith('module.'))) {
    entries = entries.map(([key, tensor]) => [key.slice('module.'.length), tensor]);
    notes.push(`${source}: stripped the "module." prefix (DataParallel) from every key`);
  }
  if (isTimmLayout(entries.map(([key]) => key))) {
    const names = timmToTorchvisionKeys(entries.map(([key]) => key));
    entries = entries.map(([key, tensor]) => [names.get(key)!, tensor]);
    notes.push(`${source}: timm key names mapped onto torchvision's`);
  }
  const renamed = new Map<string, SafeTensor>();
  for (const [key, tensor] of entries) {
    if (renamed.has(key))
      throw new CheckpointFormatError('state_dict', `${source}: two tensors map to the key "${key}"`);
    renamed.set(key, tensor);
  }
  return { tensors: renamed, notes };
}

/**
 * Reads `.pth` (torch.save zip, safely) or `.safetensors` bytes, recognised by content, and
 * renames the state dict to torchvision's keys (see {@link toTorchvisionNames}). A legacy
 * (pre-1.6) `.pth` throws a {@link CheckpointFormatError} that says how to convert it.
 *
 * @example
 * const { tensors, format, notes } = readWeights(bytes, { source: 'efficientnet_b3_rwightman-cf984f9c.pth' });
 */
export function readWeights(bytes: Uint8Array, options: ReadWeightsOptions = {}): WeightsContents {
  const source = options.source ?? 'weights';
  const format = detectWeightFormat(bytes);
  if (format === 'legacy-pth') throw new CheckpointFormatError('legacy', legacyFormatMessage(source));
  const notes: string[] = [];
  let contents: SafetensorsContents;
  if (format === 'pth') {
    const pth = readPth(bytes, { source, ...(options.limits ? { limits: options.limits } : {}) });
    if (pth.checkpointKey !== null)
      notes.push(`${source}: state dict taken from the checkpoint's "${pth.checkpointKey}" entry`);
    contents = pth;
  } else {
    // A safetensors header is JSON: an 8-byte length, then '{'. Anything else is named as unknown.
    if (bytes.byteLength < 9 || bytes[8] !== 0x7b) {
      throw new CheckpointFormatError(
        'format',
        `${source}: neither a PyTorch checkpoint (torch.save zip) nor a .safetensors file`,
      );
    }
    contents = readSafetensors(bytes, { source });
  }
  if (options.keepNames) return { ...contents, format, notes };
  const renamed = toTorchvisionNames(contents.tensors, source);
  return { tensors: renamed.tensors, metadata: contents.metadata, format, notes: [...notes, ...renamed.notes] };
}
