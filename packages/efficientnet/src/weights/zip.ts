/**
 * A reader for the zip archives `torch.save` writes (PyTorch >= 1.6): stored (uncompressed)
 * entries, found through the central directory (zip64 records included), returned as views into
 * the caller's buffer, so a 500 MB checkpoint is never copied. Anything unusual is refused:
 * compressed or encrypted entries, names that climb out of the archive, duplicate names,
 * entries that overlap the directory or run past the end of the file.
 */
import { CheckpointFormatError } from './errors.js';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const fail = (source: string, message: string): never => {
  throw new CheckpointFormatError('zip', `${source}: ${message}`);
};

/** `true` when the bytes start like a zip archive (a local file header). */
export function isZipArchive(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function checkName(source: string, name: string): void {
  const parts = name.split('/');
  if (
    name.length === 0 ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    /^[A-Za-z]:/.test(name) ||
    parts.includes('..') ||
    parts.includes('.')
  ) {
    fail(source, `refusing zip entry named ${JSON.stringify(name)}: a checkpoint's entries are plain relative paths`);
  }
}

/**
 * Lists a zip archive's stored entries as views of `bytes` (name → bytes).
 *
 * @example
 * const entries = readStoredZip(bytes, 'model.pth');
 * entries.get('archive/data.pkl');
 */
export function readStoredZip(bytes: Uint8Array, source: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.byteLength;
  const truncated =
    'is not a complete zip archive (no end-of-central-directory record): the file is truncated or damaged; download or copy it again';
  if (length < 22) fail(source, truncated);
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  let end = -1;
  for (let at = length - 22; at >= Math.max(0, length - 22 - 0xffff); at -= 1) {
    if (view.getUint32(at, true) === EOCD && at + 22 + view.getUint16(at + 20, true) === length) {
      end = at;
      break;
    }
  }
  if (end < 0) fail(source, truncated);
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0)
    fail(source, 'multi-disk zip archives are not supported');
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR)
      fail(source, 'zip64 archive without its zip64 locator; the file is damaged');
    const record = Number(view.getBigUint64(locator + 8, true));
    if (record + 56 > locator || view.getUint32(record, true) !== ZIP64_EOCD)
      fail(source, 'zip64 end record missing or out of bounds; the file is damaged');
    count = Number(view.getBigUint64(record + 32, true));
    directorySize = Number(view.getBigUint64(record + 40, true));
    directoryOffset = Number(view.getBigUint64(record + 48, true));
  }
  if (directoryOffset + directorySize > end)
    fail(
      source,
      `central directory (${directorySize} bytes at ${directoryOffset}) runs past the end record; the file is truncated or damaged`,
    );
  const entries = new Map<string, Uint8Array>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = directoryOffset;
  for (let index = 0; index < count; index += 1) {
    if (at + 46 > directoryOffset + directorySize || view.getUint32(at, true) !== CENTRAL)
      fail(source, `central directory entry ${index} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength + extraLength + commentLength > directoryOffset + directorySize)
      fail(source, `central directory entry ${index} runs past the directory`);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      return fail(source, `central directory entry ${index} has a name that is not UTF-8`);
    }
    checkName(source, name);
    // zip64 extra field: the 64-bit values appear in this order, only for fields set to 0xffffffff.
    for (let extra = at + 46 + nameLength; extra + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = view.getUint16(extra, true);
      const dataLength = view.getUint16(extra + 2, true);
      if (id === 0x0001) {
        let field = extra + 4;
        const next = (): number => {
          if (field + 8 > extra + 4 + dataLength) fail(source, `entry "${name}": zip64 extra field too short`);
          const value = Number(view.getBigUint64(field, true));
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      extra += 4 + dataLength;
    }
    if (flags & 1) fail(source, `entry "${name}" is encrypted`);
    if (method !== 0)
      fail(
        source,
        `entry "${name}" is compressed (method ${method}); torch.save writes stored entries: re-save the checkpoint with torch.save instead of re-zipping it`,
      );
    if (compressedSize !== size)
      fail(
        source,
        `entry "${name}": stored entry with different compressed (${compressedSize}) and plain (${size}) sizes`,
      );
    if (entries.has(name)) fail(source, `duplicate zip entry "${name}"`);
    if (localOffset + 30 > directoryOffset || view.getUint32(localOffset, true) !== LOCAL)
      fail(source, `entry "${name}": local header missing at offset ${localOffset}; the file is damaged`);
    const dataStart =
      localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + size > directoryOffset)
      fail(
        source,
        `entry "${name}" (${size} bytes at ${dataStart}) runs into the central directory; the file is truncated or damaged`,
      );
    entries.set(name, bytes.subarray(dataStart, dataStart + size));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
