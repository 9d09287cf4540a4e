/**
 * A small WebAssembly SIMD module for the elementwise work that tfjs-backend-wasm does with
 * scalar loops: SiLU (`x * sigmoid(x)`, two full passes and a temporary there) and the
 * per-channel scaling of squeeze-excitation. It imports the backend's own (shared) memory, so
 * it reads and writes tensors in place on the wasm heap, with no copies.
 *
 * The module is assembled here from opcodes rather than shipped as a binary, so that what it
 * does can be read (and reviewed) next to the code that calls it.
 */

// Opcodes of the WebAssembly core and SIMD specifications used below.
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  select: 0x1b,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  simd: 0xfd,
} as const;
const simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  f32x4Neg: 0xe1,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  i8x16Shuffle: 0x0d,
  f64x2PromoteLowF32x4: 0x5f,
  f64x2Add: 0xf0,
  f32x4Lt: 0x43,
  v128Bitselect: 0x52,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
} as const;
const i32 = 0x7f;
const v128 = 0x7b;

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];
const vector = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const name = (text: string): number[] => [...unsignedLeb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];

/** Instruction helpers: each returns the bytes of one instruction. */
const get = (local: number) => [op.localGet, ...unsignedLeb(local)];
const set = (local: number) => [op.localSet, ...unsignedLeb(local)];
const tee = (local: number) => [op.localTee, ...unsignedLeb(local)];
const i32c = (value: number) => [op.i32Const, ...signedLeb(value)];
const simdOp = (code: number) => [op.simd, ...unsignedLeb(code)];
/** 16-byte load/store at `address + offset`; alignment hint 0 (tensors are 4-byte aligned only). */
const load = (offset = 0) => [...simdOp(simd.load), 0, ...unsignedLeb(offset)];
const store = (offset = 0) => [...simdOp(simd.store), 0, ...unsignedLeb(offset)];
const f32x4Splat = (value: number) => {
  const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  return [...simdOp(simd.const), ...bytes];
};
/** `local += step` for an i32 pointer local. */
const advance = (local: number, step: number) => [...get(local), ...i32c(step), op.i32Add, ...set(local)];
/** Loop tail: `counter -= step` (an i32 expression), then back to the loop's start while it is not 0. */
const countDown = (counter: number, step: number[]) => [
  ...get(counter),
  ...step,
  op.i32Sub,
  ...tee(counter),
  op.i32Eqz,
  op.i32Eqz,
  op.brIf,
  0,
];
/** Loop tail: back to the loop's start while `local < limit` (unsigned). */
const repeatWhileBelow = (local: number, limit: number) => [...get(local), ...get(limit), op.i32LtU, op.brIf, 0];

// exp(t) = 2^n * p(r) with n = round(t / ln 2) and r = t - n ln 2 (ln 2 split in two parts so
// that r is exact), p Cephes expf's degree-7 polynomial: relative error about 1e-7.
const expHigh = 88.3762626647949; // keeps 2^n finite: n <= 127
const expLow = -87.3365478515625; // keeps 2^n normal: n >= -126
const log2e = Math.LOG2E;
const ln2High = 0.693359375;
const ln2Low = -2.1219444e-4;
const expCoefficients = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
];
// Adding 1.5 * 2^23 rounds to an integer in the low mantissa bits; the extra 127 is the float
// exponent bias, so `bits << 23` is 2^n without a float-to-int conversion (XNNPACK's trick).
const magicBias = 12583039; // 0x1.8000FEp23

/**
 * The SiLU of the 4 floats at `src + offset`, stored at `dst + offset`, as a list of steps that
 * each leave the operand stack empty, so that two vectors' steps can be interleaved.
 * `locals` are four v128 scratch locals; `constant(value)` the local holding a splat constant.
 */
function siluSteps(
  src: number,
  dst: number,
  offset: number,
  locals: readonly [number, number, number, number],
  constant: (value: number) => number,
  gradientOf: number | null = null,
): number[][] {
  const [x, t, n, p] = locals;
  const mul = simdOp(simd.f32x4Mul);
  const add = simdOp(simd.f32x4Add);
  const sub = simdOp(simd.f32x4Sub);
  const c = (value: number) => get(constant(value));
  return [
    [...get(src), ...load(offset), ...set(x)],
    // t = clamp(-x); pmax/pmin return their first operand when it is NaN, so NaN stays NaN.
    [
      ...get(x),
      ...simdOp(simd.f32x4Neg),
      ...c(expLow),
      ...simdOp(simd.f32x4Pmax),
      ...c(expHigh),
      ...simdOp(simd.f32x4Pmin),
      ...set(t),
    ],
    // n = t log2e + magicBias: round(t / ln 2) + 127 in the low bits; p = round(t / ln 2)
    [...get(t), ...c(log2e), ...mul, ...c(magicBias), ...add, ...set(n)],
    [...get(n), ...c(magicBias), ...sub, ...set(p)],
    // r = t - p ln2High - p ln2Low, kept in t
    [...get(t), ...get(p), ...c(ln2High), ...mul, ...sub, ...get(p), ...c(ln2Low), ...mul, ...sub, ...set(t)],
    [...c(expCoefficients[0]!), ...set(p)],
    ...expCoefficients
      .slice(1)
      .map((coefficient) => [...get(p), ...get(t), ...mul, ...c(coefficient), ...add, ...set(p)]),
    // exp(-x) = (p r^2 + r + 1) 2^n, 2^n built in the exponent bits: n << 23
    [
      ...get(p),
      ...get(t),
      ...mul,
      ...get(t),
      ...mul,
      ...get(t),
      ...add,
      ...c(1),
      ...add,
      ...get(n),
      ...i32c(23),
      ...simdOp(simd.i32x4Shl),
      ...mul,
      ...set(p),
    ],
    // exp(-x) overflows where -x > expHigh: infinity there, so that -inf gives NaN (-inf / inf)
    // like x * sigmoid(x) does, and large negative x gives -0.
    [
      ...c(Number.POSITIVE_INFINITY),
      ...get(p),
      ...get(x),
      ...c(-expHigh),
      ...simdOp(simd.f32x4Lt),
      ...simdOp(simd.v128Bitselect),
      ...set(p),
    ],
    ...(gradientOf === null
      ? [
          // dst = x / (1 + exp(-x))
          [...get(dst), ...get(x), ...get(p), ...c(1), ...add, ...simdOp(simd.f32x4Div), ...store(offset)],
        ]
      : [
          // s = 1 / (1 + exp(-x)) in t; x (1 - s) in n; dst = dy s (1 + x (1 - s))
          [...c(1), ...get(p), ...c(1), ...add, ...simdOp(simd.f32x4Div), ...set(t)],
          [...get(x), ...c(1), ...get(t), ...sub, ...mul, ...set(n)],
          [
            ...get(dst),
            ...get(gradientOf),
            ...load(offset),
            ...get(t),
            ...mul,
            ...get(n),
            ...c(1),
            ...add,
            ...mul,
            ...store(offset),
          ],
        ]),
  ];
}

/**
 * `silu(src, dst, count)`: dst[i] = x / (1 + exp(-x)) for count floats (a multiple of 4) at byte
 * offsets src and dst (which may be equal). Relative error about 2e-7 (float32 rounding).
 * With `gradient`, `siluGrad(src, dy, dst, count)`: dst[i] = dy[i] s (1 + x (1 - s)), s =
 * sigmoid(x): the derivative of SiLU times the incoming gradient.
 * Several vectors per iteration with their steps interleaved: one element's chain of dependent
 * operations is long, and independent chains side by side keep the CPU busier.
 * Locals: src, [dy,] dst, count, blockEnd, then 4 scratch v128 locals per vector, then the
 * constants (set once, before the loop).
 */
function siluBody(vectors: number, gradient = false): number[] {
  const parameters = gradient ? 4 : 3;
  const [src, dy, dst, count, blockEnd] = gradient ? [0, 1, 2, 3, 4] : [0, -1, 1, 2, 3];
  const pointers = gradient ? [src, dy, dst] : [src, dst];
  const firstScratch = parameters + 1;
  const scratch = (vector: number): [number, number, number, number] => [
    firstScratch + 4 * vector,
    firstScratch + 1 + 4 * vector,
    firstScratch + 2 + 4 * vector,
    firstScratch + 3 + 4 * vector,
  ];
  const firstConstant = firstScratch + 4 * vectors;
  const constants = [
    expLow,
    expHigh,
    -expHigh,
    Number.POSITIVE_INFINITY,
    log2e,
    magicBias,
    ln2High,
    ln2Low,
    ...expCoefficients,
    1,
  ];
  const constant = (value: number): number => firstConstant + constants.indexOf(value);
  const code: number[] = [];
  for (const value of constants) code.push(...f32x4Splat(value), ...set(constant(value)));
  const steps = Array.from({ length: vectors }, (_, vector) =>
    siluSteps(src, dst, 16 * vector, scratch(vector), constant, gradient ? dy : null),
  );
  const interleaved = steps[0]!.flatMap((_, index) => steps.flatMap((vectorSteps) => vectorSteps[index]!));
  const floatsPerIteration = 4 * vectors;
  code.push(
    // blockEnd = src + 4 * (count - count % floatsPerIteration)
    ...get(count),
    ...get(count),
    ...i32c(floatsPerIteration),
    0x70 /* i32.rem_u */,
    op.i32Sub,
    ...i32c(2),
    op.i32Shl,
    ...get(src),
    op.i32Add,
    ...set(blockEnd),
    op.block,
    0x40,
    op.loop,
    0x40,
    ...get(src),
    ...get(blockEnd),
    op.i32GeU,
    op.brIf,
    1,
    ...interleaved,
    ...pointers.flatMap((pointer) => advance(pointer, 16 * vectors)),
    op.br,
    0,
    op.end,
    op.end,
    // the remaining vectors one at a time: blockEnd = src + 4 * (count % floatsPerIteration)
    ...get(count),
    ...i32c(floatsPerIteration),
    0x70,
    ...i32c(2),
    op.i32Shl,
    ...get(src),
    op.i32Add,
    ...set(blockEnd),
    op.block,
    0x40,
    op.loop,
    0x40,
    ...get(src),
    ...get(blockEnd),
    op.i32GeU,
    op.brIf,
    1,
    ...steps[0]!.flat(),
    ...pointers.flatMap((pointer) => advance(pointer, 16)),
    op.br,
    0,
    op.end,
    op.end,
    op.end,
  );
  return [
    ...vector([
      [...unsignedLeb(1), i32],
      [...unsignedLeb(4 * vectors + constants.length), v128],
    ]),
    ...code,
  ];
}

/**
 * `scaleChannels(src, gate, dst, batch, positions, channels)`: dst[n, p, c] = src[n, p, c] *
 * gate[n, c] for NHWC data (positions = H * W), channels a multiple of 4, batch and positions > 0.
 * Locals: 0 src, 1 gate, 2 dst, 3 batch, 4 positions, 5 channels, 6 rowBytes, 7 row, 8 rowEnd, 9 left.
 */
function scaleChannelsBody(): number[] {
  const [src, gate, dst, batch, positions, channels, rowBytes, row, rowEnd, left] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const code: number[] = [
    ...get(channels),
    ...i32c(2),
    op.i32Shl,
    ...set(rowBytes),
    op.loop,
    0x40, // samples
    ...get(positions),
    ...set(left),
    op.loop,
    0x40, // positions
    ...get(gate),
    ...set(row),
    ...get(gate),
    ...get(rowBytes),
    op.i32Add,
    ...set(rowEnd),
    op.loop,
    0x40, // channels, 4 at a time
    ...get(dst),
    ...get(src),
    ...load(),
    ...get(row),
    ...load(),
    ...simdOp(simd.f32x4Mul),
    ...store(),
    ...advance(src, 16),
    ...advance(dst, 16),
    ...advance(row, 16),
    ...repeatWhileBelow(row, rowEnd),
    op.end,
    ...countDown(left, i32c(1)),
    op.end,
    ...get(gate),
    ...get(rowBytes),
    op.i32Add,
    ...set(gate),
    ...countDown(batch, i32c(1)),
    op.end,
    op.end,
  ];
  return [...vector([[...unsignedLeb(4), i32]]), ...code];
}

/**
 * `depthwiseFilterRow(x, dy, sums, count, xStep, channels)`: for c < channels (a multiple of 4),
 * sums[c] += Σ_{i < count} x[i * xStep + c] * dy[i * channels + c]: one output row's share of
 * the depthwise filter gradient at one filter offset. x, dy float32 and sums float64 byte
 * offsets; xStep in bytes (stride * channels * 4); count > 0. Each row's products are summed
 * in float32 (at most a row of terms), then added to the float64 sums.
 * Locals: 0 x, 1 dy, 2 sums, 3 count, 4 xStep, 5 channels, 6 block, 7 xp, 8 dp, 9 left,
 * 10 dyStep, 11 sumsAt, 12 sum (v128).
 */
function depthwiseFilterRowBody(): number[] {
  const [x, dy, sums, count, xStep, channels, block, xp, dp, left, dyStep, sumsAt, sum] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  const code: number[] = [
    ...get(channels),
    ...i32c(2),
    op.i32Shl,
    ...set(dyStep),
    ...i32c(0),
    ...set(block),
    op.loop,
    0x40, // channel blocks of 4
    ...get(x),
    ...get(block),
    op.i32Add,
    ...set(xp),
    ...get(dy),
    ...get(block),
    op.i32Add,
    ...set(dp),
    ...get(count),
    ...set(left),
    ...f32x4Splat(0),
    ...set(sum),
    op.loop,
    0x40, // positions along the row
    ...get(sum),
    ...get(xp),
    ...load(),
    ...get(dp),
    ...load(),
    ...simdOp(simd.f32x4Mul),
    ...simdOp(simd.f32x4Add),
    ...set(sum),
    ...get(xp),
    ...get(xStep),
    op.i32Add,
    ...set(xp),
    ...get(dp),
    ...get(dyStep),
    op.i32Add,
    ...set(dp),
    ...countDown(left, i32c(1)),
    op.end,
    // sums[block / 4 .. + 4] (float64, so at byte offset 2 * block) += the 4 float32 sums
    ...get(sums),
    ...get(block),
    ...i32c(1),
    op.i32Shl,
    op.i32Add,
    ...set(sumsAt),
    ...accumulateFloat64(sumsAt, sum),
    ...advance(block, 16),
    ...repeatWhileBelow(block, dyStep),
    op.end,
    op.end,
  ];
  return [
    ...vector([
      [...unsignedLeb(6), i32],
      [...unsignedLeb(1), v128],
    ]),
    ...code,
  ];
}

/**
 * A function body that runs `body` for each 4-channel block (`block` = 0, 16, .. < rowBytes =
 * 4 * channels bytes) of each of `rows` rows (rows > 0); `body` advances its own pointers and `block`.
 */
function rowsByChannelBlocks(
  rows: number,
  channels: number,
  rowBytes: number,
  block: number,
  body: number[],
): number[] {
  return [
    ...get(channels),
    ...i32c(2),
    op.i32Shl,
    ...set(rowBytes),
    op.loop,
    0x40, // rows
    ...i32c(0),
    ...set(block),
    op.loop,
    0x40, // channels, 4 at a time
    ...body,
    ...repeatWhileBelow(block, rowBytes),
    op.end,
    ...countDown(rows, i32c(1)),
    op.end,
    op.end,
  ];
}

/**
 * `normalizeChannels(src, parameters, dst, rows, channels)`: dst[r, c] = (src[r, c] - mean[c]) *
 * scale[c] + offset[c], parameters = [mean | scale | offset] (channels floats each), channels a
 * multiple of 4, rows > 0: inference-form BatchNorm with scale = gamma / sqrt(variance + eps).
 * Locals: 0 src, 1 parameters, 2 dst, 3 rows, 4 channels, 5 rowBytes, 6 block.
 */
function normalizeChannelsBody(): number[] {
  const [src, parameters, dst, rows, channels, rowBytes, block] = [0, 1, 2, 3, 4, 5, 6];
  const parameter = (index: number) => [
    ...get(parameters),
    ...get(block),
    op.i32Add,
    ...(index === 0 ? [] : [...get(rowBytes), ...(index === 2 ? [...i32c(1), op.i32Shl] : []), op.i32Add]),
    ...load(),
  ];
  const code = rowsByChannelBlocks(rows, channels, rowBytes, block, [
    ...get(dst),
    ...get(src),
    ...load(),
    ...parameter(0),
    ...simdOp(simd.f32x4Sub),
    ...parameter(1),
    ...simdOp(simd.f32x4Mul),
    ...parameter(2),
    ...simdOp(simd.f32x4Add),
    ...store(),
    ...advance(src, 16),
    ...advance(dst, 16),
    ...advance(block, 16),
  ]);
  return [...vector([[...unsignedLeb(2), i32]]), ...code];
}

/** Rows summed in float32 before their sums are added to the float64 totals. */
const columnSumRowBlock = 64;

/**
 * `columnSums(src, sums, rows, channels)`: sums[c] += Σ_{r < rows} src[r * channels + c] for c <
 * channels (a multiple of 4): the reduction of NHWC data over its leading axes (BatchNorm's
 * statistics and their gradients, spatial means). Blocks of 64 rows are summed in float32,
 * then added to the float64 sums. rows > 0.
 * Locals: 0 src, 1 sums, 2 rows, 3 channels, 4 rowBytes, 5 blockRows, 6 block, 7 pointer,
 * 8 left, 9 sumsAt, 10 sum (v128).
 */
function columnSumsBody(): number[] {
  const [src, sums, rows, channels, rowBytes, blockRows, block, pointer, left, sumsAt, sum] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  ];
  const code = columnBlockLoops(
    { rows, channels, rowBytes, blockRows, block, left },
    [src],
    [...get(src), ...get(block), op.i32Add, ...set(pointer)],
    [...f32x4Splat(0), ...set(sum)],
    [
      ...get(sum),
      ...get(pointer),
      ...load(),
      ...simdOp(simd.f32x4Add),
      ...set(sum),
      ...get(pointer),
      ...get(rowBytes),
      op.i32Add,
      ...set(pointer),
    ],
    [...get(sums), ...get(block), ...i32c(1), op.i32Shl, op.i32Add, ...set(sumsAt), ...accumulateFloat64(sumsAt, sum)],
  );
  return [
    ...vector([
      [...unsignedLeb(6), i32],
      [...unsignedLeb(1), v128],
    ]),
    ...code,
  ];
}

/**
 * Adds the 4 float32 lanes of v128 local `sum` to the 4 float64 values at byte address
 * `address` (a local) + `offset`.
 */
function accumulateFloat64(address: number, sum: number, offset = 0): number[] {
  const highHalf = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  return [
    ...get(address),
    ...get(address),
    ...load(offset),
    ...get(sum),
    ...simdOp(simd.f64x2PromoteLowF32x4),
    ...simdOp(simd.f64x2Add),
    ...store(offset),
    ...get(address),
    ...get(address),
    ...load(offset + 16),
    ...get(sum),
    ...get(sum),
    ...simdOp(simd.i8x16Shuffle),
    ...highHalf,
    ...simdOp(simd.f64x2PromoteLowF32x4),
    ...simdOp(simd.f64x2Add),
    ...store(offset + 16),
  ];
}

/**
 * The loop nest of the column reductions (columnSums, centeredSquareSums,
 * batchNormGradientSums): rowBytes = channels * 4; blocks of up to `columnSumRowBlock` rows;
 * in each, channel blocks of 4 at byte offset `block`, where `enterBlock` sets the pointers,
 * `resetSums` zeroes the float32 accumulators, `row` runs once per row of the block (and steps
 * its pointers) and `leaveBlock` folds the accumulators into the float64 sums; after each row
 * block every local in `rowPointers` moves on by blockRows * rowBytes.
 */
function columnBlockLoops(
  locals: { rows: number; channels: number; rowBytes: number; blockRows: number; block: number; left: number },
  rowPointers: readonly number[],
  enterBlock: number[],
  resetSums: number[],
  row: number[],
  leaveBlock: number[],
): number[] {
  const { rows, channels, rowBytes, blockRows, block, left } = locals;
  return [
    ...get(channels),
    ...i32c(2),
    op.i32Shl,
    ...set(rowBytes),
    op.loop,
    0x40, // blocks of rows
    // blockRows = min(rows, columnSumRowBlock)
    ...i32c(columnSumRowBlock),
    ...get(rows),
    ...get(rows),
    ...i32c(columnSumRowBlock),
    op.i32GtU,
    op.select,
    ...set(blockRows),
    ...i32c(0),
    ...set(block),
    op.loop,
    0x40, // channel blocks of 4
    ...enterBlock,
    ...get(blockRows),
    ...set(left),
    ...resetSums,
    op.loop,
    0x40, // rows of the block
    ...row,
    ...countDown(left, i32c(1)),
    op.end,
    ...leaveBlock,
    ...advance(block, 16),
    ...repeatWhileBelow(block, rowBytes),
    op.end,
    ...rowPointers.flatMap((pointer) => [
      ...get(pointer),
      ...get(blockRows),
      ...get(rowBytes),
      op.i32Mul,
      op.i32Add,
      ...set(pointer),
    ]),
    ...countDown(rows, get(blockRows)),
    op.end,
    op.end,
  ];
}

/**
 * `centeredSquareSums(src, mean, sums, rows, channels)`: sums[c] += Σ_r (src[r, c] - mean[c])²
 * for c < channels (a multiple of 4): the second pass of BatchNorm's training statistics
 * (centred, as tf.moments computes them, so no cancellation). Blocks of 64 rows in float32,
 * then float64 sums. rows > 0.
 * Locals: 0 src, 1 mean, 2 sums, 3 rows, 4 channels, 5 rowBytes, 6 blockRows, 7 block,
 * 8 pointer, 9 left, 10 sumsAt, 11 sum, 12 centre, 13 difference (v128).
 */
function centeredSquareSumsBody(): number[] {
  const [src, mean, sums, rows, channels, rowBytes, blockRows, block, pointer, left, sumsAt, sum, centre, difference] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const code = columnBlockLoops(
    { rows, channels, rowBytes, blockRows, block, left },
    [src],
    [
      ...get(src),
      ...get(block),
      op.i32Add,
      ...set(pointer),
      ...get(mean),
      ...get(block),
      op.i32Add,
      ...load(),
      ...set(centre),
    ],
    [...f32x4Splat(0), ...set(sum)],
    [
      ...get(pointer),
      ...load(),
      ...get(centre),
      ...simdOp(simd.f32x4Sub),
      ...tee(difference),
      ...get(difference),
      ...simdOp(simd.f32x4Mul),
      ...get(sum),
      ...simdOp(simd.f32x4Add),
      ...set(sum),
      ...get(pointer),
      ...get(rowBytes),
      op.i32Add,
      ...set(pointer),
    ],
    [...get(sums), ...get(block), ...i32c(1), op.i32Shl, op.i32Add, ...set(sumsAt), ...accumulateFloat64(sumsAt, sum)],
  );
  return [
    ...vector([
      [...unsignedLeb(6), i32],
      [...unsignedLeb(3), v128],
    ]),
    ...code,
  ];
}

/**
 * `batchNormGradientSums(dy, x, mean, sums, rows, channels)`: for c < channels (a multiple of
 * 4), sums[c] += Σ_r dy[r, c] and sums[channels + c] += Σ_r dy[r, c] (x[r, c] - mean[c]): the
 * two reductions of BatchNorm's backward pass, in one pass over dy and x. Blocks of 64 rows in
 * float32, then float64 sums (2 * channels of them). rows > 0.
 * Locals: 0 dy, 1 x, 2 mean, 3 sums, 4 rows, 5 channels, 6 rowBytes, 7 blockRows, 8 block,
 * 9 dyAt, 10 xAt, 11 left, 12 sumsAt, 13 sumDy, 14 sumProduct, 15 centre (v128).
 */
function batchNormGradientSumsBody(): number[] {
  const [
    dy,
    x,
    mean,
    sums,
    rows,
    channels,
    rowBytes,
    blockRows,
    block,
    dyAt,
    xAt,
    left,
    sumsAt,
    sumDy,
    sumProduct,
    centre,
  ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const code = columnBlockLoops(
    { rows, channels, rowBytes, blockRows, block, left },
    [dy, x],
    [
      ...get(dy),
      ...get(block),
      op.i32Add,
      ...set(dyAt),
      ...get(x),
      ...get(block),
      op.i32Add,
      ...set(xAt),
      ...get(mean),
      ...get(block),
      op.i32Add,
      ...load(),
      ...set(centre),
    ],
    [...f32x4Splat(0), ...set(sumDy), ...f32x4Splat(0), ...set(sumProduct)],
    [
      ...get(sumDy),
      ...get(dyAt),
      ...load(),
      ...simdOp(simd.f32x4Add),
      ...set(sumDy),
      ...get(sumProduct),
      ...get(dyAt),
      ...load(),
      ...get(xAt),
      ...load(),
      ...get(centre),
      ...simdOp(simd.f32x4Sub),
      ...simdOp(simd.f32x4Mul),
      ...simdOp(simd.f32x4Add),
      ...set(sumProduct),
      ...get(dyAt),
      ...get(rowBytes),
      op.i32Add,
      ...set(dyAt),
      ...get(xAt),
      ...get(rowBytes),
      op.i32Add,
      ...set(xAt),
    ],
    [
      // float64 sums: sumDy at 2 * block, sumProduct at 2 * (rowBytes + block)
      ...get(sums),
      ...get(block),
      ...i32c(1),
      op.i32Shl,
      op.i32Add,
      ...set(sumsAt),
      ...accumulateFloat64(sumsAt, sumDy),
      ...get(sumsAt),
      ...get(rowBytes),
      ...i32c(1),
      op.i32Shl,
      op.i32Add,
      ...set(sumsAt),
      ...accumulateFloat64(sumsAt, sumProduct),
    ],
  );
  return [
    ...vector([
      [...unsignedLeb(7), i32],
      [...unsignedLeb(3), v128],
    ]),
    ...code,
  ];
}

/**
 * `batchNormBackward(dy, x, parameters, dst, rows, channels)`: dst[r, c] = dy[r, c] k[c] +
 * (x[r, c] - mean[c]) p[c] + q[c], parameters = [mean | k | p | q] (channels floats each),
 * channels a multiple of 4, rows > 0: BatchNorm's input gradient with the per-channel
 * coefficients computed from the gradient sums.
 * Locals: 0 dy, 1 x, 2 parameters, 3 dst, 4 rows, 5 channels, 6 rowBytes, 7 block, 8 at.
 */
function batchNormBackwardBody(): number[] {
  const [dy, x, parameters, dst, rows, channels, rowBytes, block, at] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // parameter i of the current channel block: parameters + i * rowBytes + block (at = parameters + block)
  const parameter = (index: number) =>
    index === 0
      ? [...get(at), ...load()]
      : [...get(at), ...get(rowBytes), ...i32c(index), op.i32Mul, op.i32Add, ...load()];
  const code = rowsByChannelBlocks(rows, channels, rowBytes, block, [
    ...get(parameters),
    ...get(block),
    op.i32Add,
    ...set(at),
    ...get(dst),
    ...get(dy),
    ...load(),
    ...parameter(1),
    ...simdOp(simd.f32x4Mul),
    ...get(x),
    ...load(),
    ...parameter(0),
    ...simdOp(simd.f32x4Sub),
    ...parameter(2),
    ...simdOp(simd.f32x4Mul),
    ...simdOp(simd.f32x4Add),
    ...parameter(3),
    ...simdOp(simd.f32x4Add),
    ...store(),
    ...advance(dy, 16),
    ...advance(x, 16),
    ...advance(dst, 16),
    ...advance(block, 16),
  ]);
  return [...vector([[...unsignedLeb(3), i32]]), ...code];
}

/**
 * `transpose4(src, dst, rows, columns, dstRows)` / `transpose16(...)`: dst[c, r] = src[r, c] for
 * 4-byte elements in 4x4 blocks transposed with shuffles; rows a multiple of 4 (resp. 16),
 * columns a multiple of 4, both > 0; dst rows are `dstRows` elements long (the whole matrix's
 * row count, so that a caller can transpose a matrix in horizontal bands). transpose16 takes
 * bands of 16 source rows, so that each destination row gets a whole 64-byte cache line at a
 * time: with 4-row bands the 16-byte stores to rows a power-of-two multiple apart thrash the
 * cache. The stock kernel moves one element at a time (30 ms for a [50176, 96] matrix).
 * Locals: 0 src, 1 dst, 2 rows, 3 columns, 4 dstRows, 5 rowBytes, 6 dstRowBytes, 7 at, 8 to,
 * 9 bandEnd, 10-13 a, b, c, d, 14-17 t0-t3 (v128).
 */
function transposeBody(bandBlocks: number): number[] {
  const [src, dst, rows, columns, dstRows, rowBytes, dstRowBytes, at, to, bandEnd, a, b, c, d, t0, t1, t2, t3] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
  ];
  const lanes = (...picks: [number, number][]) =>
    picks.flatMap(([operand, lane]) => [0, 1, 2, 3].map((byte) => operand * 16 + lane * 4 + byte));
  const shuffle = (first: number, second: number, pattern: number[]) => [
    ...get(first),
    ...get(second),
    ...simdOp(simd.i8x16Shuffle),
    ...pattern,
  ];
  const interleaveLow = lanes([0, 0], [1, 0], [0, 1], [1, 1]);
  const interleaveHigh = lanes([0, 2], [1, 2], [0, 3], [1, 3]);
  const lowHalves = lanes([0, 0], [0, 1], [1, 0], [1, 1]);
  const highHalves = lanes([0, 2], [0, 3], [1, 2], [1, 3]);
  // address local + k * step local
  const address = (base: number, k: number, step: number) =>
    k === 0 ? get(base) : [...get(base), ...get(step), ...i32c(k), op.i32Mul, op.i32Add];
  // One 4x4 block: source rows 4 * block .. + 3 of the band at `at`; destination columns 4 * block .. + 3 at `to`.
  const block = (index: number) => [
    ...address(at, 4 * index, rowBytes),
    ...load(),
    ...set(a),
    ...address(at, 4 * index + 1, rowBytes),
    ...load(),
    ...set(b),
    ...address(at, 4 * index + 2, rowBytes),
    ...load(),
    ...set(c),
    ...address(at, 4 * index + 3, rowBytes),
    ...load(),
    ...set(d),
    ...shuffle(a, b, interleaveLow),
    ...set(t0),
    ...shuffle(a, b, interleaveHigh),
    ...set(t1),
    ...shuffle(c, d, interleaveLow),
    ...set(t2),
    ...shuffle(c, d, interleaveHigh),
    ...set(t3),
    ...address(to, 0, dstRowBytes),
    ...shuffle(t0, t2, lowHalves),
    ...store(16 * index),
    ...address(to, 1, dstRowBytes),
    ...shuffle(t0, t2, highHalves),
    ...store(16 * index),
    ...address(to, 2, dstRowBytes),
    ...shuffle(t1, t3, lowHalves),
    ...store(16 * index),
    ...address(to, 3, dstRowBytes),
    ...shuffle(t1, t3, highHalves),
    ...store(16 * index),
  ];
  const code: number[] = [
    ...get(columns),
    ...i32c(2),
    op.i32Shl,
    ...set(rowBytes),
    ...get(dstRows),
    ...i32c(2),
    op.i32Shl,
    ...set(dstRowBytes),
    op.loop,
    0x40, // bands of 4 * bandBlocks source rows
    ...get(src),
    ...set(at),
    ...get(dst),
    ...set(to),
    ...get(src),
    ...get(rowBytes),
    op.i32Add,
    ...set(bandEnd),
    op.loop,
    0x40, // 4 columns at a time along the band
    ...Array.from({ length: bandBlocks }, (_, index) => block(index)).flat(),
    ...advance(at, 16),
    ...get(to),
    ...get(dstRowBytes),
    ...i32c(2),
    op.i32Shl,
    op.i32Add,
    ...set(to),
    ...repeatWhileBelow(at, bandEnd),
    op.end,
    ...get(src),
    ...get(rowBytes),
    ...i32c(2 + Math.log2(bandBlocks)),
    op.i32Shl,
    op.i32Add,
    ...set(src),
    ...advance(dst, 16 * bandBlocks),
    ...countDown(rows, i32c(4 * bandBlocks)),
    op.end,
    op.end,
  ];
  return [
    ...vector([
      [...unsignedLeb(5), i32],
      [...unsignedLeb(8), v128],
    ]),
    ...code,
  ];
}

/** The functions the module exports, with the backend's memory bound. */
export interface SimdFunctions {
  silu(srcByteOffset: number, dstByteOffset: number, count: number): void;
  scaleChannels(
    srcByteOffset: number,
    gateByteOffset: number,
    dstByteOffset: number,
    batch: number,
    positions: number,
    channels: number,
  ): void;
  depthwiseFilterRow(
    xByteOffset: number,
    dyByteOffset: number,
    sumsByteOffset: number,
    count: number,
    xStepBytes: number,
    channels: number,
  ): void;
  columnSums(srcByteOffset: number, sumsByteOffset: number, rows: number, channels: number): void;
  normalizeChannels(
    srcByteOffset: number,
    parametersByteOffset: number,
    dstByteOffset: number,
    rows: number,
    channels: number,
  ): void;
  siluGrad(xByteOffset: number, dyByteOffset: number, dstByteOffset: number, count: number): void;
  centeredSquareSums(
    srcByteOffset: number,
    meanByteOffset: number,
    sumsByteOffset: number,
    rows: number,
    channels: number,
  ): void;
  batchNormGradientSums(
    dyByteOffset: number,
    xByteOffset: number,
    meanByteOffset: number,
    sumsByteOffset: number,
    rows: number,
    channels: number,
  ): void;
  batchNormBackward(
    dyByteOffset: number,
    xByteOffset: number,
    parametersByteOffset: number,
    dstByteOffset: number,
    rows: number,
    channels: number,
  ): void;
  transpose4(srcByteOffset: number, dstByteOffset: number, rows: number, columns: number, dstRows: number): void;
  transpose16(srcByteOffset: number, dstByteOffset: number, rows: number, columns: number, dstRows: number): void;
}

/**
 * The module's bytes; memory imported as `env.memory`, shared (threaded builds) or not.
 * `siluVectorsPerIteration`: vectors of 4 floats per SiLU loop iteration (results are the same
 * for any value). 4 is 1.2x faster than 1 in Node 20 on x64; more gains little.
 */
export function simdModuleBytes(sharedMemory: boolean, siluVectorsPerIteration = 4): Uint8Array {
  const silu = [0x60, ...vector([[i32], [i32], [i32]]), 0];
  const sixIntegers = [0x60, ...vector([[i32], [i32], [i32], [i32], [i32], [i32]]), 0];
  const fourIntegers = [0x60, ...vector([[i32], [i32], [i32], [i32]]), 0];
  const fiveIntegers = [0x60, ...vector([[i32], [i32], [i32], [i32], [i32]]), 0];
  const functionTypes = [silu, sixIntegers, fourIntegers, fiveIntegers];
  // [export name, type index, body]
  const functions: [string, number, number[]][] = [
    ['silu', 0, siluBody(siluVectorsPerIteration)],
    ['scaleChannels', 1, scaleChannelsBody()],
    ['depthwiseFilterRow', 1, depthwiseFilterRowBody()],
    ['columnSums', 2, columnSumsBody()],
    ['normalizeChannels', 3, normalizeChannelsBody()],
    ['siluGrad', 2, siluBody(siluVectorsPerIteration, true)],
    ['centeredSquareSums', 3, centeredSquareSumsBody()],
    ['batchNormGradientSums', 1, batchNormGradientSumsBody()],
    ['batchNormBackward', 1, batchNormBackwardBody()],
    ['transpose4', 3, transposeBody(1)],
    ['transpose16', 3, transposeBody(4)],
  ];
  // Memory limits: flags 1 = has maximum, 3 = has maximum and shared; 0 to 65536 pages (4 GiB).
  const memoryImport = [
    ...name('env'),
    ...name('memory'),
    0x02,
    sharedMemory ? 0x03 : 0x01,
    ...unsignedLeb(0),
    ...unsignedLeb(65536),
  ];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(functionTypes)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map(([, type]) => unsignedLeb(type)))),
    ...section(7, vector(functions.map(([exportName], index) => [...name(exportName), 0x00, ...unsignedLeb(index)]))),
    ...section(10, vector(functions.map(([, , body]) => [...unsignedLeb(body.length), ...body]))),
  ];
  return new Uint8Array(bytes);
}

/** A `WebAssembly.Memory` (the TypeScript libs of this project do not declare the WebAssembly API). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

/** Instantiates the module on `memory` (synchronously: it is a few hundred bytes). */
export function instantiateSimdModule(memory: WasmMemory, siluVectorsPerIteration?: number): SimdFunctions {
  const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = new WebAssembly.Module(simdModuleBytes(shared, siluVectorsPerIteration));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as SimdFunctions;
}
