import { resolve } from 'node:path';
import { FIXTURES } from './helpers.js';

/** Fixtures written by scripts/make-pth-fixtures.py with Debian's torch.save. */
export const PTH_FIXTURES = resolve(FIXTURES, '../pth');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array): number => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** A stored (uncompressed) zip archive, as torch.save writes, for hand-made hostile checkpoints. */
export function storedZip(entries: Record<string, Uint8Array | string>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(entries)) {
    const data = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

/** A checkpoint archive around a hand-written pickle (protocol 2 opcodes as bytes). */
export function checkpointWithPickle(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const entries: Record<string, Uint8Array | string> = { 'archive/data.pkl': pickle };
  for (const [key, data] of Object.entries(storages)) entries[`archive/data/${key}`] = data;
  entries['archive/version'] = '3\n';
  return storedZip(entries);
}

/** Pickle opcode helpers. */
export const op = {
  proto: Uint8Array.of(0x80, 2),
  stop: Uint8Array.of(0x2e),
  mark: Uint8Array.of(0x28),
  emptyDict: Uint8Array.of(0x7d),
  emptyList: Uint8Array.of(0x5d),
  emptyTuple: Uint8Array.of(0x29),
  append: Uint8Array.of(0x61),
  tuple: Uint8Array.of(0x74),
  reduce: Uint8Array.of(0x52),
  setitem: Uint8Array.of(0x73),
  binpersid: Uint8Array.of(0x51),
  newFalse: Uint8Array.of(0x89),
  global: (module: string, name: string) => Buffer.from(`c${module}\n${name}\n`, 'latin1'),
  string: (text: string) =>
    Buffer.concat([
      Buffer.from([0x58]),
      Buffer.from(Uint32Array.of(Buffer.byteLength(text)).buffer),
      Buffer.from(text),
    ]),
  int: (value: number) => Buffer.concat([Buffer.from([0x4a]), Buffer.from(Int32Array.of(value).buffer)]),
  longBinput: (index: number) => Buffer.concat([Buffer.from([0x72]), Buffer.from(Uint32Array.of(index).buffer)]),
};

export const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
