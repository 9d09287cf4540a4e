// AssemblyScript source of @art/augment's baseline JPEG decoder (compiled by
// scripts/build-wasm.ts into src/io/jpeg-binary.ts). It reproduces libjpeg-turbo's default
// decompression, the one sharp (libvips) and cv2.imread both run: Huffman decoding, the
// "islow" integer IDCT as its AVX2 version computes it (jidctint-avx2.asm), fancy upsampling
// (jdsample.c) and the YCbCr -> RGB tables (jdcolor.c), so the pixels are the same, down to
// what it makes of damaged coefficients.
// src/io/jpeg.ts parses the markers, builds the tables and lays out this module's memory; any
// stream this decoder would have to guess about makes it return a negative code, and the
// caller decodes the file with sharp instead.

export function heapBase(): usize {
  return __heap_base;
}

// --- entropy-coded data: an MSB-first 64-bit bit buffer over the scan's bytes -------------------

let bitBuffer: u64 = 0;
let bitCount: i32 = 0;
let position: usize = 0;
let dataEnd: usize = 0;
/** Set by any inconsistency; the scan is then abandoned and sharp decodes the file. */
let failed: bool = false;

@inline
function fill(): void {
  if (bitCount > 56) return;
  if (position + 8 <= dataEnd) {
    // Eight bytes without 0xFF (no stuffing, no marker): as many as fit, in one go.
    const bytes = v128.load64_zero(position);
    if (!v128.any_true(i8x16.eq(bytes, i8x16.splat(-1)))) {
      const count = (64 - bitCount) >> 3;
      const bigEndian = i64x2.extract_lane(i8x16.shuffle(bytes, bytes, 7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15), 0);
      bitBuffer |= (<u64>bigEndian >> <u64>(64 - 8 * count)) << <u64>(64 - bitCount - 8 * count);
      bitCount += 8 * count;
      position += <usize>count;
      return;
    }
  }
  while (bitCount <= 56) {
    // A marker (or the end of the data) stops the reader: bits past it do not exist.
    if (position >= dataEnd) return;
    let byte = <u64>load<u8>(position);
    if (byte == 0xff) {
      if (position + 1 >= dataEnd || load<u8>(position, 1) != 0) return;
      position += 2;
    } else {
      position += 1;
    }
    bitBuffer |= byte << <u64>(56 - bitCount);
    bitCount += 8;
  }
}

// A Huffman table, as src/io/jpeg.ts lays it out (i32 entries):
// [0, 512): 9-bit lookahead, (length << 8) | value, 0 for longer codes;
// [512, 530): maxcode by length (17: sentinel); [530, 548): value offset by length;
// [548, 804): the values; for AC tables [804, 804 + 2^11): 11-bit lookahead of whole
// coefficients, (value << 16) | (run << 8) | (code + extra bits length), 0 where they do not fit.
const LOOKAHEAD_BITS: i32 = 9;
const MAXCODE: usize = 512 << 2;
const VALOFFSET: usize = 530 << 2;
const VALUES: usize = 548 << 2;
const COEFFICIENTS: usize = 804 << 2;
const COEFFICIENT_BITS: i32 = 11;

@inline
function decodeHuffman(table: usize): i32 {
  if (bitCount < 16) fill();
  const entry = load<i32>(table + (<usize>(bitBuffer >> <u64>(64 - LOOKAHEAD_BITS)) << 2));
  if (entry != 0) {
    const length = entry >> 8;
    if (length > bitCount) {
      failed = true;
      return 0;
    }
    bitBuffer <<= <u64>length;
    bitCount -= length;
    return entry & 0xff;
  }
  let length: i32 = LOOKAHEAD_BITS + 1;
  let code = <i32>(bitBuffer >> <u64>(64 - length));
  while (code > load<i32>(table + MAXCODE + ((<usize>length) << 2))) {
    length += 1;
    code = <i32>(bitBuffer >> <u64>(64 - length));
  }
  // Length 17 is libjpeg's "corrupt data: bad Huffman code" warning.
  if (length > 16 || length > bitCount) {
    failed = true;
    return 0;
  }
  bitBuffer <<= <u64>length;
  bitCount -= length;
  return load<i32>(table + VALUES + (<usize>(code + load<i32>(table + VALOFFSET + ((<usize>length) << 2))) << 2));
}

/** The next `size` bits as a signed coefficient (JPEG's EXTEND). */
@inline
function receiveExtend(size: i32): i32 {
  if (size == 0) return 0;
  if (bitCount < size) {
    fill();
    if (bitCount < size) {
      failed = true;
      return 0;
    }
  }
  let value = <i32>(bitBuffer >> <u64>(64 - size));
  bitBuffer <<= <u64>size;
  bitCount -= size;
  if (value < (1 << (size - 1))) value += (-1 << size) + 1;
  return value;
}

// --- one block: decode, dequantize, IDCT --------------------------------------------------------

// A component, as src/io/jpeg.ts lays it out (i32 fields).
const C_H: usize = 0;
const C_V: usize = 4;
const C_QUANT: usize = 8; // 64 i16, natural order
const C_DC_TABLE: usize = 12;
const C_AC_TABLE: usize = 16;
const C_PLANE: usize = 20;
const C_STRIDE: usize = 24;
const C_PREDICTOR: usize = 28;
const COMPONENT_BYTES: usize = 32;

/** What decodeBlock found: only a DC term, nothing below the first row, or anything. */
const DC_ONLY: i32 = 0;
const FIRST_ROW_ONLY: i32 = 1;
const GENERAL: i32 = 2;

/**
 * Decodes one block's coefficients into `block` (64 i16, natural order: libjpeg's JCOEF, so
 * the DC predictor keeps its low 16 bits). `zigzag` maps the stream's order to natural order,
 * with libjpeg's 16 extra entries of 63 for runs past the end. Returns the block's shape
 * (DC_ONLY, FIRST_ROW_ONLY, GENERAL), which picks the IDCT's shortcut.
 */
@inline
function decodeBlock(component: usize, block: usize, zigzag: usize): i32 {
  for (let offset: usize = 0; offset < 128; offset += 16) v128.store(block + offset, i32x4.splat(0));
  const predictor = load<i32>(component + C_PREDICTOR) + receiveExtend(decodeHuffman(<usize>load<i32>(component + C_DC_TABLE)));
  store<i32>(component + C_PREDICTOR, predictor);
  store<i16>(block, <i16>predictor);
  const acTable = <usize>load<i32>(component + C_AC_TABLE);
  let shape = DC_ONLY;
  let k: i32 = 1;
  while (k < 64) {
    if (bitCount < 16) fill();
    const coefficient = load<i32>(acTable + COEFFICIENTS + (<usize>(bitBuffer >> <u64>(64 - COEFFICIENT_BITS)) << 2));
    if (coefficient != 0 && (coefficient & 0xff) <= bitCount) {
      // A short code and its extra bits in one lookup (most coefficients of real images).
      bitBuffer <<= <u64>(coefficient & 0xff);
      bitCount -= coefficient & 0xff;
      k += (coefficient >> 8) & 0xff;
      const index = <usize>load<i32>(zigzag + ((<usize>k) << 2));
      store<i16>(block + (index << 1), <i16>(coefficient >> 16));
      if (index >= 8) shape = GENERAL;
      else if (shape == DC_ONLY) shape = FIRST_ROW_ONLY;
      k += 1;
      continue;
    }
    const symbol = decodeHuffman(acTable);
    const run = symbol >> 4;
    const bits = symbol & 15;
    if (bits != 0) {
      k += run;
      const index = <usize>load<i32>(zigzag + ((<usize>k) << 2));
      store<i16>(block + (index << 1), <i16>receiveExtend(bits));
      // The SIMD IDCT's shortcut tests the coefficients (never 0 here), not their products.
      if (index >= 8) shape = GENERAL;
      else if (shape == DC_ONLY) shape = FIRST_ROW_ONLY;
      k += 1;
    } else {
      if (run != 15) break;
      k += 16;
    }
  }
  return shape;
}

// jidctint.c's constants (CONST_BITS = 13), paired as jidctint-avx2.asm's `pmaddwd` tables.
const F_0_298: i16 = 2446;
const F_0_390: i16 = 3196;
const F_0_541: i16 = 4433;
const F_0_765: i16 = 6270;
const F_0_899: i16 = 7373;
const F_1_175: i16 = 9633;
const F_1_501: i16 = 12299;
const F_1_847: i16 = 15137;
const F_1_961: i16 = 16069;
const F_2_053: i16 = 16819;
const F_2_562: i16 = 20995;
const F_3_072: i16 = 25172;

@inline
function pair(a: i16, b: i16): v128 {
  return i16x8(a, b, a, b, a, b, a, b);
}

/** Interleaves the low (`high` false) or high four 16-bit lanes of x and y: x0 y0 x1 y1 ... */
@inline
function interleave(x: v128, y: v128, high: bool): v128 {
  return high ? i16x8.shuffle(x, y, 4, 12, 5, 13, 6, 14, 7, 15) : i16x8.shuffle(x, y, 0, 8, 1, 9, 2, 10, 3, 11);
}

/**
 * One pass of jsimd_idct_islow_avx2 (its `dodct` macro) on eight columns: 8 rows of 16-bit
 * values at `input + k*16`, 8 rows out at `output + k*16`. The same instructions' arithmetic:
 * 16-bit wrapping sums (`paddw`), pairs of 16x16-bit products (`pmaddwd`, i32x4.dot_i16x8_s),
 * 32-bit sums, descaling, and signed saturation back to 16 bits (`packssdw`).
 */
@inline
function idctPass(input: usize, output: usize, shift: i32): void {
  const in0 = v128.load(input);
  const in1 = v128.load(input, 16);
  const in2 = v128.load(input, 32);
  const in3 = v128.load(input, 48);
  const in4 = v128.load(input, 64);
  const in5 = v128.load(input, 80);
  const in6 = v128.load(input, 96);
  const in7 = v128.load(input, 112);
  const bias = i32x4.splat(1 << (shift - 1));
  const sum04 = i16x8.add(in0, in4);
  const difference04 = i16x8.sub(in0, in4);
  const z3 = i16x8.add(in7, in3);
  const z4 = i16x8.add(in5, in1);
  for (let part: i32 = 0; part < 2; part++) {
    const high = part == 1;
    // Even part.
    const in26 = interleave(in2, in6, high);
    const tmp3 = i32x4.dot_i16x8_s(in26, pair(F_0_541 + F_0_765, F_0_541));
    const tmp2 = i32x4.dot_i16x8_s(in26, pair(F_0_541, F_0_541 - F_1_847));
    const tmp0 = i32x4.shl(high ? i32x4.extend_high_i16x8_s(sum04) : i32x4.extend_low_i16x8_s(sum04), 13);
    const tmp1 = i32x4.shl(high ? i32x4.extend_high_i16x8_s(difference04) : i32x4.extend_low_i16x8_s(difference04), 13);
    const tmp10 = i32x4.add(tmp0, tmp3);
    const tmp13 = i32x4.sub(tmp0, tmp3);
    const tmp11 = i32x4.add(tmp1, tmp2);
    const tmp12 = i32x4.sub(tmp1, tmp2);
    // Odd part.
    const z34 = interleave(z3, z4, high);
    const z3r = i32x4.dot_i16x8_s(z34, pair(F_1_175 - F_1_961, F_1_175));
    const z4r = i32x4.dot_i16x8_s(z34, pair(F_1_175, F_1_175 - F_0_390));
    const in71 = interleave(in7, in1, high);
    const in53 = interleave(in5, in3, high);
    const odd0 = i32x4.add(i32x4.dot_i16x8_s(in71, pair(F_0_298 - F_0_899, -F_0_899)), z3r);
    const odd1 = i32x4.add(i32x4.dot_i16x8_s(in53, pair(F_2_053 - F_2_562, -F_2_562)), z4r);
    const odd2 = i32x4.add(i32x4.dot_i16x8_s(in53, pair(-F_2_562, F_3_072 - F_2_562)), z3r);
    const odd3 = i32x4.add(i32x4.dot_i16x8_s(in71, pair(-F_0_899, F_1_501 - F_0_899)), z4r);
    // Final output stage: 32-bit halves, narrowed once both are there (below).
    const half = output + 256 + (<usize>part << 7);
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.add(tmp10, odd3), bias), shift));
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.add(tmp11, odd2), bias), shift), 16);
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.add(tmp12, odd1), bias), shift), 32);
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.add(tmp13, odd0), bias), shift), 48);
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.sub(tmp13, odd0), bias), shift), 64);
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.sub(tmp12, odd1), bias), shift), 80);
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.sub(tmp11, odd2), bias), shift), 96);
    v128.store(half, i32x4.shr_s(i32x4.add(i32x4.sub(tmp10, odd3), bias), shift), 112);
  }
  for (let row: usize = 0; row < 128; row += 16) {
    v128.store(output + row, i16x8.narrow_i32x4_s(v128.load(output + 256 + row), v128.load(output + 384 + row)));
  }
}

/** Transposes the 8x8 16-bit matrix at `from` (rows of 16 bytes) into `to`. */
@inline
function transpose8x8(from: usize, to: usize): void {
  const r0 = v128.load(from);
  const r1 = v128.load(from, 16);
  const r2 = v128.load(from, 32);
  const r3 = v128.load(from, 48);
  const r4 = v128.load(from, 64);
  const r5 = v128.load(from, 80);
  const r6 = v128.load(from, 96);
  const r7 = v128.load(from, 112);
  const a0 = interleave(r0, r1, false);
  const a1 = interleave(r0, r1, true);
  const a2 = interleave(r2, r3, false);
  const a3 = interleave(r2, r3, true);
  const a4 = interleave(r4, r5, false);
  const a5 = interleave(r4, r5, true);
  const a6 = interleave(r6, r7, false);
  const a7 = interleave(r6, r7, true);
  const b0 = i32x4.shuffle(a0, a2, 0, 4, 1, 5);
  const b1 = i32x4.shuffle(a0, a2, 2, 6, 3, 7);
  const b2 = i32x4.shuffle(a1, a3, 0, 4, 1, 5);
  const b3 = i32x4.shuffle(a1, a3, 2, 6, 3, 7);
  const b4 = i32x4.shuffle(a4, a6, 0, 4, 1, 5);
  const b5 = i32x4.shuffle(a4, a6, 2, 6, 3, 7);
  const b6 = i32x4.shuffle(a5, a7, 0, 4, 1, 5);
  const b7 = i32x4.shuffle(a5, a7, 2, 6, 3, 7);
  v128.store(to, i64x2.shuffle(b0, b4, 0, 2));
  v128.store(to, i64x2.shuffle(b0, b4, 1, 3), 16);
  v128.store(to, i64x2.shuffle(b1, b5, 0, 2), 32);
  v128.store(to, i64x2.shuffle(b1, b5, 1, 3), 48);
  v128.store(to, i64x2.shuffle(b2, b6, 0, 2), 64);
  v128.store(to, i64x2.shuffle(b2, b6, 1, 3), 80);
  v128.store(to, i64x2.shuffle(b3, b7, 0, 2), 96);
  v128.store(to, i64x2.shuffle(b3, b7, 1, 3), 112);
}

/**
 * jsimd_idct_islow_avx2 on `block` (of the given shape) with the component's quantization
 * table `quant` (64 i16) into 8x8 samples at `out` (row stride `stride`). `work` is 768 bytes.
 */
@inline
function inverseDct(block: usize, shape: i32, quant: usize, work: usize, out: usize, stride: usize): void {
  if (shape == DC_ONLY) {
    // Pass 1's shortcut gives every row (dc * q) << 2 in 16 bits; pass 2 then one value.
    const first = <i32>(<i16>(<i32>load<i16>(block) * <i32>load<i16>(quant) << 2));
    let value = ((first << 13) + (1 << 17)) >> 18;
    value = (value < -128 ? -128 : value > 127 ? 127 : value) + 128;
    const fill = i8x16.splat(<i8>value);
    for (let row: usize = 0; row < 8; row++) v128.store64_lane(out + row * stride, fill, 0);
    return;
  }
  const columns = work;
  if (shape == FIRST_ROW_ONLY) {
    // The zero-column shortcut: the first row's products shifted left by 2 in 16 bits
    // (`pmullw`, `psllw`), for every row.
    const first = i16x8.shl(i16x8.mul(v128.load(block), v128.load(quant)), 2);
    for (let row: usize = 0; row < 128; row += 16) v128.store(columns + row, first);
  } else {
    // Dequantize (`pmullw`: the low 16 bits of each product), then pass 1 on the columns.
    for (let row: usize = 0; row < 128; row += 16) v128.store(block + row, i16x8.mul(v128.load(block + row), v128.load(quant + row)));
    idctPass(block, columns, 11);
  }
  const transposed = work + 128;
  transpose8x8(columns, transposed);
  idctPass(transposed, columns, 18);
  // columns now holds output column j in row j: transpose back, then `packsswb` + CENTERJSAMPLE.
  transpose8x8(columns, transposed);
  const centre = i8x16.splat(-128);
  for (let row: usize = 0; row < 8; row += 2) {
    const pixels = i8x16.add(i8x16.narrow_i16x8_s(v128.load(transposed + (row << 4)), v128.load(transposed + (row << 4), 16)), centre);
    v128.store64_lane(out + row * stride, pixels, 0);
    v128.store64_lane(out + (row + 1) * stride, pixels, 1);
  }
}

// --- the scan -----------------------------------------------------------------------------------

/** Expects RSTn after a restart interval: any other byte is libjpeg's resync warning. */
function restart(expected: i32): bool {
  // The unused bits of the last byte are padding; whole unused bytes would be extraneous data.
  if (bitCount >= 8) return false;
  bitBuffer = 0;
  bitCount = 0;
  if (position + 1 >= dataEnd || load<u8>(position) != 0xff) return false;
  while (position < dataEnd && load<u8>(position) == 0xff) position += 1;
  if (position >= dataEnd || <i32>load<u8>(position) != 0xd0 + expected) return false;
  position += 1;
  return true;
}

/**
 * Decodes the entropy-coded data of one sequential scan starting at `start` into the component
 * planes. Components are `componentCount` records at `components`; an MCU holds H x V blocks of
 * each (1 x 1 for a single-component scan). Returns the offset of the marker that ends the scan,
 * or -1 for anything libjpeg would warn about or that this decoder does not take.
 */
export function decodeScan(
  data: usize, length: i32, start: i32,
  components: usize, componentCount: i32,
  mcusPerRow: i32, mcuRows: i32, restartInterval: i32,
  zigzag: usize, block: usize, work: usize,
): i32 {
  bitBuffer = 0;
  bitCount = 0;
  failed = false;
  position = data + <usize>start;
  dataEnd = data + <usize>length;
  let untilRestart = restartInterval;
  let nextRestart: i32 = 0;
  for (let c: i32 = 0; c < componentCount; c++) store<i32>(components + <usize>c * COMPONENT_BYTES + C_PREDICTOR, 0);
  for (let mcuY: i32 = 0; mcuY < mcuRows; mcuY++) {
    for (let mcuX: i32 = 0; mcuX < mcusPerRow; mcuX++) {
      if (restartInterval > 0) {
        if (untilRestart == 0) {
          if (!restart(nextRestart)) return -1;
          nextRestart = (nextRestart + 1) & 7;
          untilRestart = restartInterval;
          for (let c: i32 = 0; c < componentCount; c++) store<i32>(components + <usize>c * COMPONENT_BYTES + C_PREDICTOR, 0);
        }
        untilRestart -= 1;
      }
      for (let c: i32 = 0; c < componentCount; c++) {
        const component = components + <usize>c * COMPONENT_BYTES;
        const h = load<i32>(component + C_H);
        const v = load<i32>(component + C_V);
        const stride = <usize>load<i32>(component + C_STRIDE);
        const plane = <usize>load<i32>(component + C_PLANE);
        const quant = <usize>load<i32>(component + C_QUANT);
        for (let by: i32 = 0; by < v; by++) {
          const rowBase = plane + <usize>((mcuY * v + by) * 8) * stride;
          for (let bx: i32 = 0; bx < h; bx++) {
            const shape = decodeBlock(component, block, zigzag);
            if (failed) return -1;
            inverseDct(block, shape, quant, work, rowBase + <usize>((mcuX * h + bx) * 8), stride);
          }
        }
      }
    }
  }
  // After the last MCU only padding bits may remain before the next marker (EOI, or DNL/another
  // scan, which the caller rejects).
  if (bitCount >= 8) return -1;
  if (position + 1 >= dataEnd || load<u8>(position) != 0xff) return -1;
  return <i32>(position - data);
}

// --- upsampling (jdsample.c, fancy) and colour conversion (jdcolor.c) ---------------------------

// Upsampling modes, per component (src/io/jpeg.ts picks them as jinit_upsampler does).
const FULL: i32 = 0;
const H2V1_FANCY: i32 = 1;
const H2V1_BOX: i32 = 2;
const H1V2_FANCY: i32 = 3;
const H2V2_FANCY: i32 = 4;
const H2V2_BOX: i32 = 5;

/**
 * The horizontal triangle filter of h2v1/h2v2_fancy_upsample on 16-bit sums at `sums` (index -1
 * and `count` hold copies of the edge values, which gives libjpeg's special first and last
 * columns): out[2i] = (3 s[i] + s[i-1] + evenBias) >> shift, out[2i+1] = (3 s[i] + s[i+1] + oddBias) >> shift.
 */
@inline
function expandHorizontally(sums: usize, count: i32, target: usize, shift: i32, evenBias: i32, oddBias: i32): void {
  const even = i16x8.splat(<i16>evenBias);
  const odd = i16x8.splat(<i16>oddBias);
  for (let i: i32 = 0; i < count; i += 8) {
    const at = sums + ((<usize>i) << 1);
    const current = v128.load(at);
    const thrice = i16x8.add(current, i16x8.shl(current, 1));
    const left = i16x8.shr_u(i16x8.add(i16x8.add(thrice, v128.load(at - 2)), even), shift);
    const right = i16x8.shr_u(i16x8.add(i16x8.add(thrice, v128.load(at + 2)), odd), shift);
    const low = i16x8.shuffle(left, right, 0, 8, 1, 9, 2, 10, 3, 11);
    const high = i16x8.shuffle(left, right, 4, 12, 5, 13, 6, 14, 7, 15);
    v128.store(target + ((<usize>i) << 1), i8x16.narrow_i16x8_u(low, high));
  }
}

/**
 * Writes output row `y` of a component into `target` and returns the row to read: the plane row
 * itself when nothing is to be done. `sums` is scratch of 2 * (downsampledWidth + 16) bytes
 * after a 16-byte lead.
 */
function upsampleRow(
  mode: i32, plane: usize, stride: usize, width: i32, downsampledWidth: i32, downsampledHeight: i32, y: i32, target: usize, sums: usize,
): usize {
  if (mode == FULL) return plane + <usize>y * stride;
  if (mode == H2V1_BOX || mode == H2V2_BOX) {
    // Images at most 2 (chroma) samples wide: plain replication.
    const row = plane + <usize>(mode == H2V1_BOX ? y : y >> 1) * stride;
    for (let x: i32 = 0; x < width; x++) store<u8>(target + <usize>x, load<u8>(row + <usize>(x >> 1)));
    return target;
  }
  if (mode == H2V1_FANCY) {
    const row = plane + <usize>y * stride;
    for (let x: i32 = 0; x < downsampledWidth; x += 8) v128.store(sums + ((<usize>x) << 1), v128.load8x8_u(row + <usize>x));
    store<u16>(sums - 2, load<u16>(sums));
    store<u16>(sums + ((<usize>downsampledWidth) << 1), load<u16>(sums + ((<usize>(downsampledWidth - 1)) << 1)));
    expandHorizontally(sums, downsampledWidth, target, 2, 1, 2);
    return target;
  }
  // Context rows: the row above the first and below the last repeat them (jdmainct.c).
  const nearest = y >> 1;
  let further = (y & 1) == 0 ? nearest - 1 : nearest + 1;
  if (further < 0) further = 0;
  if (further >= downsampledHeight) further = downsampledHeight - 1;
  const row0 = plane + <usize>nearest * stride;
  const row1 = plane + <usize>further * stride;
  if (mode == H1V2_FANCY) {
    // (3 nearer + further + bias) >> 2, bias 1 above and 2 below.
    const bias = i16x8.splat((y & 1) == 0 ? 1 : 2);
    for (let x: i32 = 0; x < width; x += 16) {
      const a = v128.load(row0 + <usize>x);
      const b = v128.load(row1 + <usize>x);
      const low = i16x8.extend_low_i8x16_u(a);
      const high = i16x8.extend_high_i8x16_u(a);
      const sumLow = i16x8.add(i16x8.add(i16x8.add(low, i16x8.shl(low, 1)), i16x8.extend_low_i8x16_u(b)), bias);
      const sumHigh = i16x8.add(i16x8.add(i16x8.add(high, i16x8.shl(high, 1)), i16x8.extend_high_i8x16_u(b)), bias);
      v128.store(target + <usize>x, i8x16.narrow_i16x8_u(i16x8.shr_u(sumLow, 2), i16x8.shr_u(sumHigh, 2)));
    }
    return target;
  }
  // h2v2_fancy_upsample: column sums 3 nearer + further, then the horizontal filter.
  for (let x: i32 = 0; x < downsampledWidth; x += 8) {
    const a = v128.load8x8_u(row0 + <usize>x);
    v128.store(sums + ((<usize>x) << 1), i16x8.add(i16x8.add(a, i16x8.shl(a, 1)), v128.load8x8_u(row1 + <usize>x)));
  }
  store<u16>(sums - 2, load<u16>(sums));
  store<u16>(sums + ((<usize>downsampledWidth) << 1), load<u16>(sums + ((<usize>(downsampledWidth - 1)) << 1)));
  expandHorizontally(sums, downsampledWidth, target, 4, 8, 7);
  return target;
}

/** Interleaves 16 R, G and B samples into 48 bytes at `out`. */
@inline
function storeRgb(out: usize, r: v128, g: v128, b: v128): void {
  const rgLow = i8x16.shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const rgHigh = i8x16.shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  v128.store(out, i8x16.shuffle(rgLow, b, 0, 1, 16, 2, 3, 17, 4, 5, 18, 6, 7, 19, 8, 9, 20, 10));
  const middle = i8x16.shuffle(rgLow, rgHigh, 11, 0, 12, 13, 0, 14, 15, 0, 16, 17, 0, 18, 19, 0, 20, 21);
  v128.store(out, i8x16.shuffle(middle, b, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15), 16);
  v128.store(out, i8x16.shuffle(rgHigh, b, 26, 6, 7, 27, 8, 9, 28, 10, 11, 29, 12, 13, 30, 14, 15, 31), 32);
}

// jdcolor.c's tables as arithmetic: FIX(x) = round(x * 2^16).
const CR_TO_R: i32 = 91881;
const CB_TO_B: i32 = 116130;
const CR_TO_G: i32 = -46802;
const CB_TO_G: i32 = -22554;

/** Four pixels of ycc_rgb_convert, as i32 lanes: (R, G, B) before clamping, added to luma. */
@inline
function yccLanes(luma: v128, cb: v128, cr: v128, channel: i32): v128 {
  const half = i32x4.splat(32768);
  const centre = i32x4.splat(128);
  const blue = i32x4.sub(cb, centre);
  const red = i32x4.sub(cr, centre);
  if (channel == 0) return i32x4.add(luma, i32x4.shr_s(i32x4.add(i32x4.mul(red, i32x4.splat(CR_TO_R)), half), 16));
  if (channel == 2) return i32x4.add(luma, i32x4.shr_s(i32x4.add(i32x4.mul(blue, i32x4.splat(CB_TO_B)), half), 16));
  return i32x4.add(luma, i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(blue, i32x4.splat(CB_TO_G)), half), i32x4.mul(red, i32x4.splat(CR_TO_G))), 16));
}

/** 16 samples of one channel, saturated to 0..255 (libjpeg's range_limit). */
@inline
function yccChannel(luma: v128, cb: v128, cr: v128, channel: i32): v128 {
  const y0 = i16x8.extend_low_i8x16_u(luma);
  const y1 = i16x8.extend_high_i8x16_u(luma);
  const b0 = i16x8.extend_low_i8x16_u(cb);
  const b1 = i16x8.extend_high_i8x16_u(cb);
  const r0 = i16x8.extend_low_i8x16_u(cr);
  const r1 = i16x8.extend_high_i8x16_u(cr);
  const low = i16x8.narrow_i32x4_s(
    yccLanes(i32x4.extend_low_i16x8_u(y0), i32x4.extend_low_i16x8_u(b0), i32x4.extend_low_i16x8_u(r0), channel),
    yccLanes(i32x4.extend_high_i16x8_u(y0), i32x4.extend_high_i16x8_u(b0), i32x4.extend_high_i16x8_u(r0), channel),
  );
  const high = i16x8.narrow_i32x4_s(
    yccLanes(i32x4.extend_low_i16x8_u(y1), i32x4.extend_low_i16x8_u(b1), i32x4.extend_low_i16x8_u(r1), channel),
    yccLanes(i32x4.extend_high_i16x8_u(y1), i32x4.extend_high_i16x8_u(b1), i32x4.extend_high_i16x8_u(r1), channel),
  );
  return i8x16.narrow_i16x8_u(low, high);
}

/**
 * Upsamples and converts the planes to interleaved RGB at `out` (width x height x 3, plus 48
 * bytes of slack). `planes` holds per component [mode, plane, stride, downsampledWidth,
 * downsampledHeight] (i32); one component is grey (replicated), three are YCbCr. `rows` is
 * scratch of 5 x (2 * width + 64) bytes. Planes must be readable 16 bytes past each row.
 */
export function convertToRgb(planes: usize, componentCount: i32, width: i32, height: i32, out: usize, rows: usize): void {
  const rowBytes = <usize>(2 * width + 64);
  const blueRow = rows;
  const redRow = rows + rowBytes;
  const sums = rows + 2 * rowBytes + 16;
  for (let y: i32 = 0; y < height; y++) {
    const target = out + <usize>y * <usize>width * 3;
    const luma = <usize>load<i32>(planes, 4) + <usize>y * <usize>load<i32>(planes, 8);
    if (componentCount == 1) {
      for (let x: i32 = 0; x < width; x += 16) {
        const value = v128.load(luma + <usize>x);
        storeRgb(target + <usize>x * 3, value, value, value);
      }
      continue;
    }
    const blue = upsampleRow(
      load<i32>(planes, 20), <usize>load<i32>(planes, 24), <usize>load<i32>(planes, 28), width,
      load<i32>(planes, 32), load<i32>(planes, 36), y, blueRow, sums,
    );
    const red = upsampleRow(
      load<i32>(planes, 40), <usize>load<i32>(planes, 44), <usize>load<i32>(planes, 48), width,
      load<i32>(planes, 52), load<i32>(planes, 56), y, redRow, sums,
    );
    for (let x: i32 = 0; x < width; x += 16) {
      const l = v128.load(luma + <usize>x);
      const b = v128.load(blue + <usize>x);
      const r = v128.load(red + <usize>x);
      storeRgb(target + <usize>x * 3, yccChannel(l, b, r, 0), yccChannel(l, b, r, 1), yccChannel(l, b, r, 2));
    }
  }
}
