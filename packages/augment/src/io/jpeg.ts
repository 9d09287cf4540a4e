/**
 * A WebAssembly decoder for the JPEG files data sets are made of (baseline or extended
 * sequential Huffman, 8-bit, grey or YCbCr with 4:4:4, 4:2:2, 4:2:0 or 4:4:0 sampling, restart
 * intervals), giving the same pixels as libjpeg-turbo's default decompression: the one sharp
 * (libvips) and `cv2.imread` run. It exists for speed: sharp spends 1 - 2 ms per call on
 * handing strips between libvips threads, more than the decoding itself for a 256x256 image.
 *
 * The markers are parsed here; assembly/jpeg.ts decodes the scan and converts the colours.
 * Anything else (progressive or arithmetic coding, CMYK, an ICC profile, an EXIF orientation
 * other than 1, 4:1:1, several scans, and any data libjpeg would warn about or this decoder
 * would have to guess about) returns a reason instead of an image, and `decodeImage` decodes the
 * file with sharp as before. So results never depend on which path ran; tests check both.
 */
import { uninitializedBytes, type RawImage } from '../core/raw-image.js';
import { instantiateBase64, WasmArena, type WasmMemory } from '../wasm/instantiate.js';
import { JPEG_WASM_BASE64 } from './jpeg-binary.js';

interface JpegExports {
  memory: WasmMemory;
  heapBase(): number;
  decodeScan(
    data: number,
    length: number,
    start: number,
    components: number,
    componentCount: number,
    mcusPerRow: number,
    mcuRows: number,
    restartInterval: number,
    zigzag: number,
    block: number,
    work: number,
  ): number;
  convertToRgb(planes: number, componentCount: number, width: number, height: number, out: number, rows: number): void;
}

/** jpeg_natural_order: the position in the 8x8 block of the k-th coefficient of the stream. */
const NATURAL_ORDER = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
];

/** Upsampling modes of assembly/jpeg.ts, chosen as libjpeg-turbo's jinit_upsampler does. */
const UPSAMPLE = { full: 0, h2v1Fancy: 1, h2v1Box: 2, h1v2Fancy: 3, h2v2Fancy: 4, h2v2Box: 5 } as const;

/** Lookahead of assembly/jpeg.ts's whole-coefficient table (code and extra bits together). */
const COEFFICIENT_BITS = 11;
/** Words of one Huffman table in wasm memory (see assembly/jpeg.ts). */
const HUFFMAN_TABLE_WORDS = 804 + (1 << COEFFICIENT_BITS);
/** sharp's default `limitInputPixels` (0x3FFF * 0x3FFF). */
const SHARP_PIXEL_LIMIT = 0x3fff * 0x3fff;
/** A wasm instance whose memory grew past this is dropped after the call, so it can be freed. */
const KEEP_MEMORY_BYTES = 64 * 1024 * 1024;

/** Why the fast path declined a file (sharp then decodes it). */
export interface JpegFallback {
  fallback: string;
}

interface FrameComponent {
  id: number;
  horizontal: number;
  vertical: number;
  quantTable: number;
}

interface ScanComponent {
  frame: FrameComponent;
  dcTable: number;
  acTable: number;
}

/**
 * Derived tables by their DHT bytes: the files of a data set usually share their encoder's
 * tables, and deriving one costs more than decoding a small image's MCU row.
 */
const derivedTables = new Map<string, Int32Array | string>();
const DERIVED_TABLES_KEPT = 64;

function cachedHuffmanTable(counts: Uint8Array, values: Uint8Array, isDc: boolean): Int32Array | string {
  const key = `${isDc ? 'd' : 'a'}${String.fromCharCode(...counts)}${String.fromCharCode(...values)}`;
  let table = derivedTables.get(key);
  if (table === undefined) {
    table = deriveHuffmanTable(counts, values, isDc);
    if (derivedTables.size >= DERIVED_TABLES_KEPT) derivedTables.delete(derivedTables.keys().next().value!);
    derivedTables.set(key, table);
  }
  return table;
}

/** A Huffman table in libjpeg's derived form, laid out as assembly/jpeg.ts reads it. */
function deriveHuffmanTable(counts: Uint8Array, values: Uint8Array, isDc: boolean): Int32Array | string {
  const table = new Int32Array(HUFFMAN_TABLE_WORDS);
  const maxcode = 512;
  const valoffset = 530;
  const valuesAt = 548;
  let total = 0;
  for (let length = 1; length <= 16; length++) total += counts[length - 1]!;
  if (total > 256 || total > values.length) return 'bad Huffman table';
  if (isDc && values.subarray(0, total).some((value) => value > 15)) return 'bad DC Huffman table';
  let code = 0;
  let index = 0;
  for (let length = 1; length <= 16; length++) {
    const count = counts[length - 1]!;
    if (count === 0) {
      table[maxcode + length] = -1;
    } else {
      table[valoffset + length] = index - code;
      for (let i = 0; i < count; i++, index++, code++) {
        if (length <= 9) {
          const shift = 9 - length;
          for (let fill = code << shift; fill < (code + 1) << shift; fill++)
            table[fill] = (length << 8) | values[index]!;
        }
      }
      table[maxcode + length] = code - 1;
    }
    // jpeg_make_d_derived_tbl: the codes must fit their length and none may be all ones.
    if (code >= 1 << length) return 'bad Huffman table';
    code <<= 1;
  }
  table[maxcode + 17] = 0x7fffffff;
  for (let i = 0; i < total; i++) table[valuesAt + i] = values[i]!;
  if (!isDc) {
    // Whole coefficients whose code and extra bits fit in COEFFICIENT_BITS bits.
    const coefficients = 804;
    let next = 0;
    let at = 0;
    for (let length = 1; length <= COEFFICIENT_BITS; length++, next <<= 1) {
      for (let i = 0; i < counts[length - 1]!; i++, at++, next++) {
        const run = values[at]! >> 4;
        const size = values[at]! & 15;
        if (size === 0 || length + size > COEFFICIENT_BITS) continue;
        const spare = COEFFICIENT_BITS - length - size;
        for (let extra = 0; extra < 1 << size; extra++) {
          const value = extra < 1 << (size - 1) ? extra - (1 << size) + 1 : extra;
          const first = (((next << size) | extra) << spare) >>> 0;
          table.fill(
            (value << 16) | (run << 8) | (length + size),
            coefficients + first,
            coefficients + first + (1 << spare),
          );
        }
      }
    }
  }
  return table;
}

/** The EXIF orientation of an APP1 "Exif" payload, or a reason it cannot be read. */
function exifOrientation(segment: Uint8Array): number | string {
  const tiff = segment.subarray(6);
  if (tiff.length < 8) return 'short EXIF segment';
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return 'bad EXIF byte order';
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, little) !== 42) return 'bad EXIF header';
  const directory = view.getUint32(4, little);
  if (directory + 2 > tiff.length) return 'bad EXIF directory';
  const entries = view.getUint16(directory, little);
  if (directory + 2 + entries * 12 > tiff.length) return 'bad EXIF directory';
  for (let entry = 0; entry < entries; entry++) {
    const at = directory + 2 + entry * 12;
    if (view.getUint16(at, little) !== 0x0112) continue;
    if (view.getUint16(at + 2, little) !== 3 || view.getUint32(at + 4, little) !== 1)
      return 'unusual EXIF orientation entry';
    return view.getUint16(at + 8, little);
  }
  return 1;
}

const ascii = (bytes: Uint8Array, start: number, text: string) =>
  bytes.length >= start + text.length &&
  [...text].every((character, index) => bytes[start + index] === character.charCodeAt(0));

/**
 * Decodes `bytes` when they are a JPEG this decoder takes, else says why not.
 * `autoOrient: false` ignores the EXIF orientation, as `decodeImage` does.
 */
export function decodeBaselineJpeg(bytes: Uint8Array, autoOrient = true): RawImage | JpegFallback {
  const no = (fallback: string): JpegFallback => ({ fallback });
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return no('not a JPEG');
  const kernels = jpegKernels();
  if (kernels === undefined) return no('WebAssembly SIMD unavailable');
  const quantTables: (Int32Array | undefined)[] = [];
  const dcTables: (Int32Array | undefined)[] = [];
  const acTables: (Int32Array | undefined)[] = [];
  let frame: { width: number; height: number; components: FrameComponent[] } | undefined;
  let restartInterval = 0;
  let sawJfif = false;
  let adobeTransform: number | undefined;
  let sawExif = false;
  let position = 2;
  for (;;) {
    // Markers follow each other directly; any other byte is libjpeg's "extraneous data".
    if (position >= bytes.length || bytes[position] !== 0xff) return no('data between markers');
    while (position < bytes.length && bytes[position] === 0xff) position++;
    if (position + 2 >= bytes.length) return no('truncated');
    const marker = bytes[position]!;
    position++;
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01)
      return no(`marker 0x${marker.toString(16)} out of place`);
    const length = (bytes[position]! << 8) | bytes[position + 1]!;
    if (length < 2 || position + length > bytes.length) return no('truncated segment');
    const segment = bytes.subarray(position + 2, position + length);
    position += length;
    if (marker === 0xc0 || marker === 0xc1) {
      if (frame !== undefined || segment.length < 6) return no('bad frame header');
      if (segment[0] !== 8) return no(`${segment[0]}-bit samples`);
      const height = (segment[1]! << 8) | segment[2]!;
      const width = (segment[3]! << 8) | segment[4]!;
      const count = segment[5]!;
      if (height === 0 || width === 0) return no('image size 0 (DNL)');
      if (height > 65500 || width > 65500) return no(`${width}x${height} is past JPEG_MAX_DIMENSION`);
      // sharp refuses images past its default limitInputPixels; so does this path, leaving the
      // error to sharp.
      if (width * height > SHARP_PIXEL_LIMIT) return no(`${width}x${height} is past sharp's pixel limit`);
      if ((count !== 1 && count !== 3) || segment.length !== 6 + 3 * count) return no(`${count} components`);
      const components: FrameComponent[] = [];
      for (let c = 0; c < count; c++) {
        const horizontal = segment[7 + 3 * c]! >> 4;
        const vertical = segment[7 + 3 * c]! & 15;
        if (horizontal < 1 || horizontal > 4 || vertical < 1 || vertical > 4 || segment[8 + 3 * c]! > 3)
          return no('bad sampling factors');
        components.push({ id: segment[6 + 3 * c]!, horizontal, vertical, quantTable: segment[8 + 3 * c]! });
      }
      if (new Set(components.map((component) => component.id)).size !== count) return no('duplicate component ids');
      frame = { width, height, components };
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return no(`frame type 0x${marker.toString(16)} (progressive, lossless or arithmetic)`);
    } else if (marker === 0xc4) {
      let at = 0;
      while (at < segment.length) {
        if (at + 17 > segment.length) return no('bad Huffman segment');
        const kind = segment[at]! >> 4;
        const id = segment[at]! & 15;
        if (kind > 1 || id > 3) return no('bad Huffman table id');
        const counts = segment.subarray(at + 1, at + 17);
        let total = 0;
        for (const count of counts) total += count;
        if (at + 17 + total > segment.length) return no('bad Huffman segment');
        const table = cachedHuffmanTable(counts, segment.subarray(at + 17, at + 17 + total), kind === 0);
        if (typeof table === 'string') return no(table);
        (kind === 0 ? dcTables : acTables)[id] = table;
        at += 17 + total;
      }
    } else if (marker === 0xdb) {
      let at = 0;
      while (at < segment.length) {
        const precision = segment[at]! >> 4;
        const id = segment[at]! & 15;
        const size = precision === 0 ? 64 : 128;
        if (precision > 1 || id > 3 || at + 1 + size > segment.length) return no('bad quantization table');
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) {
          table[NATURAL_ORDER[k]!] =
            precision === 0 ? segment[at + 1 + k]! : (segment[at + 1 + 2 * k]! << 8) | segment[at + 2 + 2 * k]!;
        }
        quantTables[id] = table;
        at += 1 + size;
      }
    } else if (marker === 0xdd) {
      if (segment.length !== 2) return no('bad restart interval');
      restartInterval = (segment[0]! << 8) | segment[1]!;
    } else if (marker === 0xe0) {
      if (ascii(segment, 0, 'JFIF\0') && segment.length >= 14) {
        // libjpeg warns about JFIF versions other than 1.x.
        if (segment[5] !== 1) return no('JFIF major version');
        sawJfif = true;
      }
    } else if (marker === 0xe1) {
      if (ascii(segment, 0, 'Exif\0\0')) {
        if (sawExif) return no('two EXIF segments');
        sawExif = true;
        if (autoOrient) {
          const orientation = exifOrientation(segment);
          if (orientation !== 1)
            return no(typeof orientation === 'string' ? orientation : `EXIF orientation ${orientation}`);
        }
      }
    } else if (marker === 0xe2) {
      if (ascii(segment, 0, 'ICC_PROFILE\0')) return no('embedded ICC profile (converted to sRGB by sharp)');
    } else if (marker === 0xee) {
      if (ascii(segment, 0, 'Adobe')) adobeTransform = segment.length >= 12 ? segment[11]! : -1;
    } else if (marker === 0xda) {
      if (frame === undefined) return no('scan before frame');
      return decodeFrame(kernels, bytes, position, segment, frame, {
        quantTables,
        dcTables,
        acTables,
        restartInterval,
        sawJfif,
        adobeTransform,
      });
    } else if ((marker >= 0xe3 && marker <= 0xef) || marker === 0xfe) {
      // Other application segments and comments carry nothing the pixels depend on.
    } else {
      return no(`marker 0x${marker.toString(16)}`);
    }
  }
}

interface Tables {
  quantTables: (Int32Array | undefined)[];
  dcTables: (Int32Array | undefined)[];
  acTables: (Int32Array | undefined)[];
  restartInterval: number;
  sawJfif: boolean;
  adobeTransform: number | undefined;
}

function decodeFrame(
  kernels: JpegKernels,
  bytes: Uint8Array,
  scanStart: number,
  header: Uint8Array,
  frame: { width: number; height: number; components: FrameComponent[] },
  tables: Tables,
): RawImage | JpegFallback {
  const no = (fallback: string): JpegFallback => ({ fallback });
  const { width, height, components } = frame;
  const count = components.length;
  // One scan holding every component, sequential (Ss 0, Se 63, no successive approximation).
  if (header.length !== 4 + 2 * count || header[0] !== count) return no('not a single interleaved scan');
  if (header[1 + 2 * count] !== 0 || header[2 + 2 * count] !== 63 || header[3 + 2 * count] !== 0)
    return no('bad scan parameters');
  const scan: ScanComponent[] = [];
  for (let c = 0; c < count; c++) {
    const component = components.find((candidate) => candidate.id === header[1 + 2 * c]);
    if (component === undefined || scan.some((entry) => entry.frame === component)) return no('scan components');
    scan.push({ frame: component, dcTable: header[2 + 2 * c]! >> 4, acTable: header[2 + 2 * c]! & 15 });
  }
  if (scan.some((entry, index) => entry.frame !== components[index])) return no('scan order differs from frame order');
  if (count === 3) {
    // jdapimin.c's colour-space guess: RGB-coded files go to sharp (and, to be safe, any Adobe
    // transform but YCbCr's, even where a JFIF marker would make libjpeg-turbo ignore it).
    if (tables.adobeTransform !== undefined && tables.adobeTransform !== 1)
      return no('Adobe transform other than YCbCr');
    if (
      !tables.sawJfif &&
      tables.adobeTransform === undefined &&
      components[0]!.id === 82 &&
      components[1]!.id === 71 &&
      components[2]!.id === 66
    ) {
      return no('RGB component ids');
    }
  } else if (tables.adobeTransform !== undefined) {
    return no('Adobe marker on a grey image');
  }
  const maxHorizontal = Math.max(...components.map((component) => component.horizontal));
  const maxVertical = Math.max(...components.map((component) => component.vertical));
  // libjpeg's D_MAX_BLOCKS_IN_MCU: an interleaved MCU of more than 10 blocks is an error.
  if (
    count > 1 &&
    components.reduce((blocks, component) => blocks + component.horizontal * component.vertical, 0) > 10
  ) {
    return no('more than 10 blocks per MCU');
  }
  // A single-component scan is not interleaved: its MCU is one block, whatever the factors.
  const single = count === 1;
  const mcuWidth = single ? 8 : 8 * maxHorizontal;
  const mcuHeight = single ? 8 : 8 * maxVertical;
  const mcusPerRow = Math.ceil(width / mcuWidth);
  const mcuRows = Math.ceil(height / mcuHeight);
  const modes: number[] = [];
  const downsampled: { width: number; height: number }[] = [];
  for (const [index, component] of components.entries()) {
    const horizontal = single ? 1 : component.horizontal;
    const vertical = single ? 1 : component.vertical;
    const ratioX = (single ? 1 : maxHorizontal) / horizontal;
    const ratioY = (single ? 1 : maxVertical) / vertical;
    const downsampledWidth = Math.ceil((width * horizontal) / (single ? 1 : maxHorizontal));
    const downsampledHeight = Math.ceil((height * vertical) / (single ? 1 : maxVertical));
    downsampled.push({ width: downsampledWidth, height: downsampledHeight });
    if (index === 0 && (ratioX !== 1 || ratioY !== 1)) return no('luma not at full resolution');
    if (ratioX === 1 && ratioY === 1) modes.push(UPSAMPLE.full);
    else if (ratioX === 2 && ratioY === 1) modes.push(downsampledWidth > 2 ? UPSAMPLE.h2v1Fancy : UPSAMPLE.h2v1Box);
    else if (ratioX === 1 && ratioY === 2) modes.push(UPSAMPLE.h1v2Fancy);
    else if (ratioX === 2 && ratioY === 2) modes.push(downsampledWidth > 2 ? UPSAMPLE.h2v2Fancy : UPSAMPLE.h2v2Box);
    else return no(`sampling ${component.horizontal}x${component.vertical} against ${maxHorizontal}x${maxVertical}`);
  }
  for (const entry of scan) {
    if (tables.quantTables[entry.frame.quantTable] === undefined) return no('missing quantization table');
    if (
      entry.dcTable > 3 ||
      tables.dcTables[entry.dcTable] === undefined ||
      entry.acTable > 3 ||
      tables.acTables[entry.acTable] === undefined
    ) {
      return no('missing Huffman table');
    }
  }

  // Memory layout: the fixed area (jpegKernels), then this image's data.
  const memory = kernels.exports.memory;
  const arena = new WasmArena(memory, kernels.dataAt);
  let dataAt: number;
  let rowsAt: number;
  let outAt: number;
  const planeAt: number[] = [];
  const strides: number[] = [];
  try {
    dataAt = arena.allocate(bytes.length + 16);
    for (const component of components) {
      const horizontal = single ? 1 : component.horizontal;
      const vertical = single ? 1 : component.vertical;
      strides.push(mcusPerRow * horizontal * 8);
      // 32 bytes of slack: the colour conversion reads whole 16-byte vectors past a row's end.
      planeAt.push(arena.allocate(mcusPerRow * horizontal * 8 * mcuRows * vertical * 8 + 32));
    }
    rowsAt = arena.allocate(5 * (2 * width + 64));
    outAt = arena.allocate(width * height * 3 + 48);
  } catch {
    return no(`${width}x${height} needs more memory than WebAssembly can have`);
  }

  const heap = memory.buffer;
  new Uint8Array(heap, dataAt, bytes.length).set(bytes);
  const words = new Int32Array(heap);
  for (const [c, entry] of scan.entries()) {
    const quant = kernels.quantAt + c * 128;
    const dc = kernels.huffmanAt + c * 2 * HUFFMAN_TABLE_WORDS * 4;
    const ac = dc + HUFFMAN_TABLE_WORDS * 4;
    // The SIMD IDCT multiplies in 16 bits: a 16-bit table's entries above 32767 act as negative.
    new Int16Array(heap, quant, 64).set(tables.quantTables[entry.frame.quantTable]!);
    // Derived tables are cached, so the ones already in place are usually the ones needed.
    for (const [slot, table] of [
      [2 * c, tables.dcTables[entry.dcTable]!],
      [2 * c + 1, tables.acTables[entry.acTable]!],
    ] as const) {
      if (kernels.residentTables[slot] !== table) {
        words.set(table, (slot === 2 * c ? dc : ac) >> 2);
        kernels.residentTables[slot] = table;
      }
    }
    const record = (kernels.componentsAt >> 2) + c * 8;
    words.set(
      [
        single ? 1 : entry.frame.horizontal,
        single ? 1 : entry.frame.vertical,
        quant,
        dc,
        ac,
        planeAt[c]!,
        strides[c]!,
        0,
      ],
      record,
    );
    words.set(
      [modes[c]!, planeAt[c]!, strides[c]!, downsampled[c]!.width, downsampled[c]!.height],
      (kernels.planesAt >> 2) + c * 5,
    );
  }
  const end = kernels.exports.decodeScan(
    dataAt,
    bytes.length,
    scanStart,
    kernels.componentsAt,
    count,
    mcusPerRow,
    mcuRows,
    tables.restartInterval,
    kernels.zigzagAt,
    kernels.blockAt,
    kernels.workAt,
  );
  let image: RawImage | JpegFallback;
  if (end < 0) {
    image = no('entropy-coded data libjpeg would warn about');
  } else {
    let at = end;
    while (at < bytes.length && bytes[at] === 0xff) at++;
    if (bytes[at] !== 0xd9) {
      image = no('more than one scan, or no end-of-image marker');
    } else {
      kernels.exports.convertToRgb(kernels.planesAt, count, width, height, outAt, rowsAt);
      // Copied out (the next call reuses this memory) into a buffer Node does not zero-fill.
      const data = uninitializedBytes(width * height * 3);
      data.set(new Uint8Array(memory.buffer, outAt, width * height * 3));
      image = { data, width, height, channels: 3 };
    }
  }
  if (memory.buffer.byteLength > KEEP_MEMORY_BYTES) loaded = undefined;
  return image;
}

interface JpegKernels {
  exports: JpegExports;
  /** The fixed area after the module's static data: tables and scratch of every call. */
  zigzagAt: number;
  blockAt: number;
  workAt: number;
  componentsAt: number;
  planesAt: number;
  quantAt: number;
  huffmanAt: number;
  /** Which derived table each Huffman slot holds now. */
  residentTables: (Int32Array | undefined)[];
  /** Where an image's own data starts. */
  dataAt: number;
}

let loaded: JpegKernels | null | undefined;

/** The decoder's wasm memory in bytes, 0 when no instance is held (tests: the 64 MiB release). */
export function jpegDecoderMemoryBytes(): number {
  return loaded ? loaded.exports.memory.buffer.byteLength : 0;
}

function jpegKernels(): JpegKernels | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  const exports = instantiateBase64<JpegExports>(JPEG_WASM_BASE64);
  loaded = null;
  if (exports === undefined) return undefined;
  const arena = new WasmArena(exports.memory, (exports.heapBase() + 15) & ~15);
  const kernels: JpegKernels = {
    exports,
    zigzagAt: arena.allocate(80 * 4),
    blockAt: arena.allocate(128),
    workAt: arena.allocate(768),
    componentsAt: arena.allocate(32 * 3),
    planesAt: arena.allocate(20 * 3),
    quantAt: arena.allocate(128 * 3),
    huffmanAt: arena.allocate(3 * 2 * HUFFMAN_TABLE_WORDS * 4),
    residentTables: [],
    dataAt: arena.end,
  };
  // libjpeg's 16 extra entries: a run past the last coefficient lands on position 63.
  new Int32Array(exports.memory.buffer, kernels.zigzagAt, 80).set([
    ...NATURAL_ORDER,
    ...new Array<number>(16).fill(63),
  ]);
  loaded = kernels;
  return loaded;
}
