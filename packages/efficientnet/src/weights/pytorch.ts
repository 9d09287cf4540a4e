/**
 * PyTorch checkpoints as `torch.save` writes them since 1.6: a zip archive `<name>/data.pkl`
 * (the object, pickled with protocol 2), `<name>/data/<key>` (one raw storage per key),
 * `<name>/version` and, since 2.1, `<name>/byteorder`. The pickle runs under the allow-list of
 * `torch.load(weights_only=True)`, reduced to what a weights file needs; tensors come back as
 * {@link SafeTensor}s so every loader takes `.pth` and `.safetensors` alike.
 */
import { CheckpointFormatError, UnsafeCheckpointError } from './errors.js';
import {
  PickleDict,
  PickleTuple,
  describe,
  unpickle,
  type PickleLimits,
  type PickleOpaque,
  type PicklePolicy,
  type PickleValue,
} from './pickle.js';
import {
  ITEM_SIZE,
  decodeTensorBytes,
  type SafeTensor,
  type SafetensorsContents,
  type SafetensorsDtype,
} from './safetensors.js';
import { isZipArchive, readStoredZip } from './zip.js';

/** Storage classes `torch.save` names, by the dtype of their elements. */
const STORAGE_DTYPES: Readonly<Record<string, SafetensorsDtype>> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** `torch.<dtype>` globals (checkpoint metadata may name one); inert markers here. */
const DTYPE_NAMES = new Set([
  'float16',
  'float32',
  'float64',
  'bfloat16',
  'half',
  'float',
  'double',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'bool',
  'long',
  'int',
]);

/** Newest `version` record PyTorch's reader accepts (caffe2 `kMaxSupportedFileFormatVersion`). */
const MAX_FILE_FORMAT_VERSION = 10;

/** The most tensors one checkpoint may hold (V2-L has about 1,100). */
const MAX_TENSORS = 200_000;

/** Limits of {@link readPth}: those of the pickle machine. */
export type PthLimits = PickleLimits;

/** Options of {@link readPth}. */
export interface ReadPthOptions {
  /** Name used in error messages. Default `"checkpoint"`. */
  source?: string;
  /** Tighter or looser bounds (defaults: 64 MiB pickle, 1,000,000 memo entries, nesting 100). */
  limits?: Partial<PthLimits>;
}

/** A parsed `.pth`: its state dict as tensors, plus where in the checkpoint it was found. */
export interface PthContents extends SafetensorsContents {
  /** `format: 'pth'`, `version`, `byteorder`, and `checkpoint_key` when the state dict sat under a key. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Top-level key the state dict came from (`state_dict`, `model`, ...), or `null` for a bare state dict. */
  readonly checkpointKey: string | null;
}

interface StorageRef extends PickleOpaque {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: SafetensorsDtype;
  readonly numel: number;
  readonly bytes: Uint8Array;
}

interface TensorRef extends PickleOpaque {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

interface Named extends PickleOpaque {
  readonly kind: 'class' | 'function' | 'storage type' | 'dtype' | 'device';
  readonly name: string;
}

const isTensor = (value: PickleValue): value is TensorRef =>
  typeof value === 'object' && value !== null && (value as PickleOpaque).kind === 'tensor';
const named = (kind: Named['kind'], name: string): Named => Object.freeze({ kind, name });

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** `true` for the pickle-stream format of PyTorch < 1.6 (or `_use_new_zipfile_serialization=False`). */
export function isLegacyTorchFile(bytes: Uint8Array): boolean {
  if (bytes.byteLength >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => bytes[i] === b)) return true;
  // PyTorch < 0.4 wrote a tar archive ("ustar" at offset 257).
  return bytes.byteLength > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar';
}

/** The one-line advice for a legacy file; also used by the CLI. */
export function legacyFormatMessage(source: string): string {
  return (
    `${source}: legacy PyTorch format (written before PyTorch 1.6 or with _use_new_zipfile_serialization=False), which is not read here. ` +
    `Convert it once with PyTorch >= 1.13: python3 -c "import torch; torch.save(torch.load('${source}', weights_only=True), 'converted.pth')"`
  );
}

function integerList(value: PickleValue, what: string, source: string): number[] {
  if (
    !(value instanceof PickleTuple) ||
    value.items.length > 64 ||
    !value.items.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new CheckpointFormatError(
      'tensor',
      `${source}: tensor ${what} must be a tuple of at most 64 non-negative integers; got ${describe(value)}`,
    );
  }
  return value.items as number[];
}

function torchPolicy(source: string, entries: Map<string, Uint8Array>, prefix: string): PicklePolicy {
  const storages = new Map<string, StorageRef>();
  let tensorCount = 0;
  const refuse = (culprit: string, message: string): never => {
    throw new UnsafeCheckpointError(culprit, `${source}: ${message}`);
  };
  const rebuildTensor = (args: readonly PickleValue[]): TensorRef => {
    const [storage, offset, size, stride] = args;
    if (typeof storage !== 'object' || storage === null || (storage as PickleOpaque).kind !== 'storage') {
      throw new CheckpointFormatError(
        'tensor',
        `${source}: _rebuild_tensor_v2 needs a storage; got ${describe(storage!)}`,
      );
    }
    const shape = integerList(size!, 'size', source);
    const strides = integerList(stride!, 'stride', source);
    if (shape.length !== strides.length)
      throw new CheckpointFormatError(
        'tensor',
        `${source}: tensor size has ${shape.length} dims but stride ${strides.length}`,
      );
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
      throw new CheckpointFormatError(
        'tensor',
        `${source}: storage offset must be a non-negative integer; got ${String(offset)}`,
      );
    const ref = storage as StorageRef;
    const numel = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(numel))
      throw new CheckpointFormatError('tensor', `${source}: tensor size ${JSON.stringify(shape)} overflows`);
    // The last element the view touches must lie inside the storage.
    const last = numel === 0 ? offset - 1 : shape.reduce((sum, d, i) => sum + (d - 1) * strides[i]!, offset);
    if (last >= ref.numel) {
      throw new CheckpointFormatError(
        'tensor',
        `${source}: a tensor of size ${JSON.stringify(shape)} (offset ${offset}, stride ${JSON.stringify(strides)}) ` +
          `reaches element ${last} of storage "${ref.key}", which has ${ref.numel}`,
      );
    }
    tensorCount += 1;
    if (tensorCount > MAX_TENSORS)
      throw new CheckpointFormatError('limit', `${source}: more than ${MAX_TENSORS} tensors`);
    return Object.freeze({ kind: 'tensor', storage: ref, offset, shape, stride: strides });
  };
  return {
    global(module, name) {
      const full = `${module}.${name}`;
      if (
        full === 'collections.OrderedDict' ||
        full === 'torch.Size' ||
        full === 'torch.nn.parameter.Parameter' ||
        full === 'torch.device'
      )
        return named('class', full);
      if (
        module === 'torch._utils' &&
        ['_rebuild_tensor_v2', '_rebuild_parameter', '_rebuild_parameter_with_state'].includes(name)
      )
        return named('function', full);
      if (module === 'torch' && name in STORAGE_DTYPES) return named('storage type', full);
      if (module === 'torch' && DTYPE_NAMES.has(name)) return named('dtype', full);
      return refuse(
        full,
        `refused global ${full}: a weights file may only name OrderedDict, torch's tensor rebuild ` +
          `functions, storage types and dtypes (the allow-list of torch.load(weights_only=True)); nothing was executed`,
      );
    },
    reduce(callable, args) {
      const items = args.items;
      const name = (callable as Named | null)?.name;
      switch (name) {
        case 'collections.OrderedDict': {
          const dict = new PickleDict(true);
          const pairs = items[0];
          if (items.length > 1 || (pairs !== undefined && !Array.isArray(pairs)))
            throw new CheckpointFormatError('pickle', `${source}: OrderedDict() takes at most one list of pairs`);
          for (const pair of (pairs as PickleValue[] | undefined) ?? []) {
            if (!(pair instanceof PickleTuple) || pair.items.length !== 2 || typeof pair.items[0] !== 'string')
              throw new CheckpointFormatError('pickle', `${source}: OrderedDict pairs must be (str, value)`);
            dict.entries.set(pair.items[0] as string, pair.items[1]!);
          }
          return dict;
        }
        case 'torch._utils._rebuild_tensor_v2':
          if (items.length < 6 || items.length > 7)
            throw new CheckpointFormatError(
              'tensor',
              `${source}: _rebuild_tensor_v2 takes 6 or 7 arguments; got ${items.length}`,
            );
          return rebuildTensor(items);
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          if (!isTensor(items[0]!))
            throw new CheckpointFormatError(
              'tensor',
              `${source}: ${name} needs a tensor; got ${describe(items[0] ?? null)}`,
            );
          return items[0]!;
        case 'torch.Size':
          integerList(items[0] ?? null, 'torch.Size', source);
          return items[0]!;
        case 'torch.device':
          if (typeof items[0] !== 'string')
            throw new CheckpointFormatError('pickle', `${source}: torch.device needs a string`);
          return named('device', items[0]);
        default:
          return refuse(
            `call ${name ?? describe(callable)}`,
            `refused call of ${name ?? describe(callable)}: only OrderedDict, torch.Size, torch.device and the tensor rebuild functions may be called`,
          );
      }
    },
    newObject(cls, args) {
      if ((cls as Named | null)?.name === 'torch.nn.parameter.Parameter' && isTensor(args.items[0] ?? null))
        return args.items[0]!;
      return refuse(
        `new ${(cls as Named | null)?.name ?? describe(cls)}`,
        `refused instantiation of ${(cls as Named | null)?.name ?? describe(cls)} (NEWOBJ): only torch.nn.Parameter is allowed`,
      );
    },
    build(instance, state) {
      if (instance instanceof PickleDict && instance.ordered) {
        instance.attributes = state; // an OrderedDict's _metadata; never read
        return instance;
      }
      if (isTensor(instance)) return instance; // a Parameter's Python attributes; ignored
      return refuse(
        `BUILD ${describe(instance)}`,
        `refused BUILD of a ${describe(instance)}: only OrderedDict and tensors take state`,
      );
    },
    persistentLoad(pid) {
      if (!(pid instanceof PickleTuple) || pid.items[0] !== 'storage' || pid.items.length !== 5) {
        return refuse(
          'persistent_load',
          `refused persistent id ${describe(pid)}: only ('storage', type, key, location, numel) tuples are allowed`,
        );
      }
      const [, type, key, , numel] = pid.items;
      if (typeof type !== 'object' || type === null || (type as Named).kind !== 'storage type')
        throw new CheckpointFormatError(
          'storage',
          `${source}: storage type must be a torch.*Storage global; got ${describe(type!)}`,
        );
      if (typeof key !== 'string' || !/^[A-Za-z0-9_]+$/.test(key))
        throw new CheckpointFormatError('storage', `${source}: storage key ${JSON.stringify(key)} is not a plain name`);
      if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
        throw new CheckpointFormatError(
          'storage',
          `${source}: storage "${key}" has an invalid element count ${String(numel)}`,
        );
      const dtype = STORAGE_DTYPES[(type as Named).name.slice('torch.'.length)]!;
      const cached = storages.get(key);
      if (cached) {
        if (cached.dtype !== dtype || cached.numel !== numel)
          throw new CheckpointFormatError('storage', `${source}: storage "${key}" is described twice, differently`);
        return cached;
      }
      const bytes = entries.get(`${prefix}data/${key}`);
      if (!bytes)
        throw new CheckpointFormatError(
          'storage',
          `${source}: storage "${key}" has no ${prefix}data/${key} entry in the archive`,
        );
      const needed = numel * ITEM_SIZE[dtype];
      if (bytes.byteLength < needed) {
        throw new CheckpointFormatError(
          'storage',
          `${source}: storage "${key}" claims ${numel} ${dtype} elements (${needed} bytes) but the file holds ${bytes.byteLength} bytes for it`,
        );
      }
      const ref: StorageRef = Object.freeze({ kind: 'storage', key, dtype, numel, bytes });
      storages.set(key, ref);
      return ref;
    },
  };
}

/** Reverses the byte order of each `itemSize`-byte element (for checkpoints written on big-endian machines). */
function swapBytes(bytes: Uint8Array, itemSize: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += itemSize)
    for (let j = 0; j < itemSize; j += 1) out[i + j] = bytes[i + itemSize - 1 - j]!;
  return out;
}

function materialize(tensor: TensorRef, bigEndian: boolean): SafeTensor {
  const { storage, offset, shape, stride } = tensor;
  const itemSize = ITEM_SIZE[storage.dtype];
  const numel = shape.reduce((a, b) => a * b, 1);
  const last = numel === 0 ? offset : shape.reduce((sum, d, i) => sum + (d - 1) * stride[i]!, offset) + 1;
  let span = storage.bytes.subarray(offset * itemSize, last * itemSize);
  if (bigEndian && itemSize > 1) span = swapBytes(span, itemSize);
  // Contiguous (row-major) views decode straight; others are gathered element by element.
  let contiguous = true;
  for (let i = shape.length - 1, expected = 1; i >= 0; i -= 1) {
    if (shape[i] !== 1 && stride[i] !== expected) contiguous = false;
    expected *= shape[i]!;
  }
  let data: SafeTensor['data'];
  if (contiguous) {
    data = decodeTensorBytes(storage.dtype, span, numel);
  } else {
    const all = decodeTensorBytes(storage.dtype, span, last - offset);
    const out = new (all.constructor as new (length: number) => typeof all)(numel);
    const index = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < numel; i += 1) {
      let source = 0;
      for (let d = 0; d < shape.length; d += 1) source += index[d]! * stride[d]!;
      out[i] = all[source]!;
      for (let d = shape.length - 1; d >= 0; d -= 1) {
        index[d] = index[d]! + 1;
        if (index[d]! < shape[d]!) break;
        index[d] = 0;
      }
    }
    data = out;
  }
  return Object.freeze({ dtype: storage.dtype, shape: Object.freeze([...shape]), data });
}

/** Top-level keys under which training scripts keep the state dict, tried in this order. */
export const CHECKPOINT_KEYS = ['state_dict', 'model', 'model_state_dict', 'module', 'net'] as const;

function findStateDict(root: PickleValue, source: string): { dict: PickleDict; key: string | null } {
  const isStateDict = (value: PickleValue | undefined): value is PickleDict =>
    value instanceof PickleDict && value.entries.size > 0 && [...value.entries.values()].every(isTensor);
  if (isStateDict(root)) return { dict: root, key: null };
  if (root instanceof PickleDict) {
    for (const key of CHECKPOINT_KEYS)
      if (isStateDict(root.entries.get(key))) return { dict: root.entries.get(key) as PickleDict, key };
    const keys = [...root.entries.keys()]
      .map((k) => JSON.stringify(k))
      .slice(0, 12)
      .join(', ');
    throw new CheckpointFormatError(
      'state_dict',
      `${source}: no state dict found: the checkpoint is a dict with keys ${keys || '(none)'}, and ` +
        `none of ${CHECKPOINT_KEYS.join(', ')} holds a dict of tensors`,
    );
  }
  throw new CheckpointFormatError(
    'state_dict',
    `${source}: the checkpoint holds a ${describe(root)}, not a state dict (a dict of tensors)`,
  );
}

/** The pickled object and the archive facts, before the state dict is picked out. */
export interface PthArchive {
  readonly root: PickleValue;
  readonly version: number;
  readonly byteorder: 'little' | 'big';
  /** Entry prefix, e.g. `archive/`. */
  readonly prefix: string;
}

/**
 * Opens a `torch.save` zip archive and runs its pickle under the weights-only allow-list.
 * Throws {@link UnsafeCheckpointError} for anything outside it and {@link CheckpointFormatError}
 * for a damaged, legacy or over-limit file.
 *
 * @example
 * const { root, version } = openPth(bytes, { source: 'model.pth' });
 */
export function openPth(bytes: Uint8Array, options: ReadPthOptions = {}): PthArchive {
  const source = options.source ?? 'checkpoint';
  if (isLegacyTorchFile(bytes)) throw new CheckpointFormatError('legacy', legacyFormatMessage(source));
  if (!isZipArchive(bytes))
    throw new CheckpointFormatError(
      'zip',
      `${source}: not a PyTorch checkpoint (no zip header); expected a file written by torch.save`,
    );
  const entries = readStoredZip(bytes, source);
  const first = entries.keys().next().value as string | undefined;
  const slash = first?.indexOf('/') ?? -1;
  if (first === undefined || slash <= 0)
    throw new CheckpointFormatError(
      'zip',
      `${source}: empty archive or entries outside a top folder; not written by torch.save`,
    );
  const prefix = first.slice(0, slash + 1);
  const pickle = entries.get(`${prefix}data.pkl`);
  if (!pickle) {
    const torchScript =
      entries.has(`${prefix}constants.pkl`) || [...entries.keys()].some((k) => k.startsWith(`${prefix}code/`));
    throw new CheckpointFormatError(
      'zip',
      torchScript
        ? `${source}: a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save model.state_dict() with torch.save instead`
        : `${source}: no ${prefix}data.pkl entry; not written by torch.save`,
    );
  }
  const versionText = entries.get(`${prefix}version`) ?? entries.get(`${prefix}.data/version`);
  const version = versionText ? Number(new TextDecoder().decode(versionText).trim()) : Number.NaN;
  if (!Number.isInteger(version) || version < 1 || version > MAX_FILE_FORMAT_VERSION) {
    throw new CheckpointFormatError(
      'version',
      `${source}: unsupported archive version ${versionText ? JSON.stringify(new TextDecoder().decode(versionText).trim()) : '(missing)'}; ` +
        `expected 1..${MAX_FILE_FORMAT_VERSION}`,
    );
  }
  const byteorderBytes = entries.get(`${prefix}byteorder`);
  const byteorder = byteorderBytes ? new TextDecoder().decode(byteorderBytes) : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') {
    throw new CheckpointFormatError(
      'byteorder',
      `${source}: byteorder record is ${JSON.stringify(byteorder.slice(0, 32))}; expected "little" or "big"`,
    );
  }
  const root = unpickle(pickle, torchPolicy(source, entries, prefix), {
    source,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { root, version, byteorder, prefix };
}

/**
 * Reads the state dict of a `.pth` file written by `torch.save` (PyTorch >= 1.6), safely: only
 * what `torch.load(weights_only=True)` allows is accepted, every storage and view is
 * bounds-checked, and nothing in the file is executed. A checkpoint dict is unwrapped
 * (`{'state_dict': ...}`, `{'model': ...}`, see {@link CHECKPOINT_KEYS}) and the key reported.
 * F32/F64/F16/BF16 decode to float32, I64 to BigInt64Array; strided and offset views are honoured.
 *
 * @example
 * const { tensors, checkpointKey } = readPth(bytes, { source: 'efficientnet_b3_rwightman-cf984f9c.pth' });
 * tensors.get('classifier.1.weight')?.shape; // [1000, 1536]
 */
export function readPth(bytes: Uint8Array, options: ReadPthOptions = {}): PthContents {
  const source = options.source ?? 'checkpoint';
  const archive = openPth(bytes, options);
  const { dict, key } = findStateDict(archive.root, source);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, value] of dict.entries) {
    if (typeof name !== 'string')
      throw new CheckpointFormatError('state_dict', `${source}: state dict key ${String(name)} is not a string`);
    tensors.set(name, materialize(value as TensorRef, archive.byteorder === 'big'));
  }
  const metadata: Record<string, string> = {
    format: 'pth',
    version: String(archive.version),
    byteorder: archive.byteorder,
  };
  if (key !== null) metadata.checkpoint_key = key;
  return { tensors, metadata, checkpointKey: key };
}

/** A summary of any pickled value, for `inspect`: tensors as `F32[2, 3]`, containers by size. */
export function summarizePickle(value: PickleValue): string {
  if (isTensor(value)) return `${value.storage.dtype}${JSON.stringify(value.shape)}`;
  if (value instanceof PickleDict) return `${value.ordered ? 'OrderedDict' : 'dict'}(${value.entries.size})`;
  if (Array.isArray(value)) return `list(${value.length})`;
  if (value instanceof PickleTuple) return `tuple(${value.items.length})`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return describe(value);
}
