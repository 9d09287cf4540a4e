// The SIMD module of src/kernels/simd-module.ts written in AssemblyScript, for
// bench/simd-assemblyscript.ts (`npm run bench:assemblyscript -w @art/backend`), which compiles it
// with asc (-O3, SIMD, imported shared memory) and compares it with the hand-assembled module on
// the same heap: same bytes out for every function, and the time of each. It is not shipped: SiLU
// and its gradient measured 1.3-1.4x slower in this build (binaryen turns the splat constants
// into a v128.const at every use, which V8 rebuilds each time, and runs the four vectors of an
// iteration one after the other instead of interleaved), the other functions the same; see the
// README's "Why the SIMD module is assembled by hand". Kept so that the comparison can be re-run
// when the toolchain changes.
//
// Every argument is a byte offset into the imported memory or a count. Float operations are
// written in the order the results depend on: the compiler does not reassociate IEEE arithmetic,
// so each function gives the hand-assembled module's bits.

// --- SiLU -------------------------------------------------------------------------------------

// exp(t) = 2^n * p(r) with n = round(t / ln 2) and r = t - n ln 2 (ln 2 split in two parts so
// that r is exact), p Cephes expf's degree-7 polynomial: relative error about 1e-7.
const expHigh: f32 = 88.3762626647949; // keeps 2^n finite: n <= 127
const expLow: f32 = -87.3365478515625; // keeps 2^n normal: n >= -126
const log2e: f32 = 1.44269504088896341;
const ln2High: f32 = 0.693359375;
const ln2Low: f32 = -2.1219444e-4;
const exp0: f32 = 1.98756915e-4;
const exp1: f32 = 1.3981999507e-3;
const exp2: f32 = 8.3334519073e-3;
const exp3: f32 = 4.1665795894e-2;
const exp4: f32 = 1.6666665459e-1;
const exp5: f32 = 5.0000001201e-1;
// Adding 1.5 * 2^23 rounds to an integer in the low mantissa bits; the extra 127 is the float
// exponent bias, so `bits << 23` is 2^n without a float-to-int conversion (XNNPACK's trick).
const magicBias: f32 = 12583039; // 0x1.8000FEp23

/**
 * exp(-x) for 4 floats; +infinity where -x > expHigh (so that -inf gives NaN, -inf / inf, as
 * x * sigmoid(x) does, and large negative x gives -0). pmax/pmin return their first operand when
 * it is NaN, so NaN stays NaN.
 */
@inline
function expNegative(x: v128): v128 {
  let t = f32x4.pmin(f32x4.pmax(f32x4.neg(x), f32x4.splat(expLow)), f32x4.splat(expHigh));
  // n = t log2e + magicBias: round(t / ln 2) + 127 in the low bits; p = round(t / ln 2)
  const n = f32x4.add(f32x4.mul(t, f32x4.splat(log2e)), f32x4.splat(magicBias));
  let p = f32x4.sub(n, f32x4.splat(magicBias));
  // r = t - p ln2High - p ln2Low, kept in t
  t = f32x4.sub(f32x4.sub(t, f32x4.mul(p, f32x4.splat(ln2High))), f32x4.mul(p, f32x4.splat(ln2Low)));
  p = f32x4.splat(exp0);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(exp1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(exp2));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(exp3));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(exp4));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(exp5));
  // (p r^2 + r + 1) 2^n, 2^n built in the exponent bits: n << 23
  p = f32x4.mul(f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, t), t), t), f32x4.splat(1)), i32x4.shl(n, 23));
  return v128.bitselect(f32x4.splat(Infinity), p, f32x4.lt(x, f32x4.splat(-expHigh)));
}

/** x / (1 + exp(-x)) for the 4 floats at `src`, stored at `dst`. */
@inline
function siluVector(src: usize, dst: usize): void {
  const x = v128.load(src);
  v128.store(dst, f32x4.div(x, f32x4.add(expNegative(x), f32x4.splat(1))));
}

/** dy s (1 + x (1 - s)), s = sigmoid(x), for the 4 floats at `src` and `dy`, stored at `dst`. */
@inline
function siluGradVector(src: usize, dy: usize, dst: usize): void {
  const x = v128.load(src);
  const one = f32x4.splat(1);
  const s = f32x4.div(one, f32x4.add(expNegative(x), one));
  const xOneMinusS = f32x4.mul(x, f32x4.sub(one, s));
  v128.store(dst, f32x4.mul(f32x4.mul(v128.load(dy), s), f32x4.add(xOneMinusS, one)));
}

/**
 * Vectors of 4 floats per loop iteration in silu and siluGrad: one element's chain of dependent
 * operations is long, and independent chains side by side keep the CPU busier (4 is 1.2x faster
 * than 1 in Node 20 on x64; more gains little). The results are the same for any value.
 */
const siluVectors: u32 = 4;

/**
 * `silu(src, dst, count)`: dst[i] = x / (1 + exp(-x)) for count floats (a multiple of 4) at byte
 * offsets src and dst (which may be equal). Relative error about 2e-7 (float32 rounding).
 */
export function silu(src: usize, dst: usize, count: u32): void {
  const blockEnd = src + ((<usize>(count - count % (4 * siluVectors))) << 2);
  while (src < blockEnd) {
    // Written out: the compiler does not unroll loops.
    siluVector(src, dst);
    siluVector(src + 16, dst + 16);
    siluVector(src + 32, dst + 32);
    siluVector(src + 48, dst + 48);
    src += 64;
    dst += 64;
  }
  const end = src + ((<usize>(count % (4 * siluVectors))) << 2);
  for (; src < end; src += 16, dst += 16) siluVector(src, dst);
}

/**
 * `siluGrad(src, dy, dst, count)`: dst[i] = dy[i] s (1 + x (1 - s)), s = sigmoid(x): the
 * derivative of SiLU times the incoming gradient, count floats (a multiple of 4).
 */
export function siluGrad(src: usize, dy: usize, dst: usize, count: u32): void {
  const blockEnd = src + ((<usize>(count - count % (4 * siluVectors))) << 2);
  while (src < blockEnd) {
    siluGradVector(src, dy, dst);
    siluGradVector(src + 16, dy + 16, dst + 16);
    siluGradVector(src + 32, dy + 32, dst + 32);
    siluGradVector(src + 48, dy + 48, dst + 48);
    src += 64;
    dy += 64;
    dst += 64;
  }
  const end = src + ((<usize>(count % (4 * siluVectors))) << 2);
  for (; src < end; src += 16, dy += 16, dst += 16) siluGradVector(src, dy, dst);
}

// --- channel scaling, normalisation, BatchNorm backward ----------------------------------------

/**
 * `scaleChannels(src, gate, dst, batch, positions, channels)`: dst[n, p, c] = src[n, p, c] *
 * gate[n, c] for NHWC data (positions = H * W), channels a multiple of 4, batch and positions > 0.
 */
export function scaleChannels(src: usize, gate: usize, dst: usize, batch: u32, positions: u32, channels: u32): void {
  const rowBytes = (<usize>channels) << 2;
  do {
    let left = positions;
    do {
      const rowEnd = gate + rowBytes;
      for (let row = gate; row < rowEnd; row += 16, src += 16, dst += 16) v128.store(dst, f32x4.mul(v128.load(src), v128.load(row)));
    } while (--left != 0);
    gate += rowBytes;
  } while (--batch != 0);
}

/**
 * `normalizeChannels(src, parameters, dst, rows, channels)`: dst[r, c] = (src[r, c] - mean[c]) *
 * scale[c] + offset[c], parameters = [mean | scale | offset] (channels floats each), channels a
 * multiple of 4, rows > 0: inference-form BatchNorm with scale = gamma / sqrt(variance + eps).
 */
export function normalizeChannels(src: usize, parameters: usize, dst: usize, rows: u32, channels: u32): void {
  const rowBytes = (<usize>channels) << 2;
  do {
    for (let at = parameters; at < parameters + rowBytes; at += 16, src += 16, dst += 16) {
      const centred = f32x4.sub(v128.load(src), v128.load(at));
      v128.store(dst, f32x4.add(f32x4.mul(centred, v128.load(at + rowBytes)), v128.load(at + (rowBytes << 1))));
    }
  } while (--rows != 0);
}

/**
 * `batchNormBackward(dy, x, parameters, dst, rows, channels)`: dst[r, c] = dy[r, c] k[c] +
 * (x[r, c] - mean[c]) p[c] + q[c], parameters = [mean | k | p | q] (channels floats each),
 * channels a multiple of 4, rows > 0: BatchNorm's input gradient with the per-channel
 * coefficients computed from the gradient sums.
 */
export function batchNormBackward(dy: usize, x: usize, parameters: usize, dst: usize, rows: u32, channels: u32): void {
  const rowBytes = (<usize>channels) << 2;
  do {
    for (let at = parameters; at < parameters + rowBytes; at += 16, dy += 16, x += 16, dst += 16) {
      const scaled = f32x4.mul(v128.load(dy), v128.load(at + rowBytes));
      const centred = f32x4.mul(f32x4.sub(v128.load(x), v128.load(at)), v128.load(at + 2 * rowBytes));
      v128.store(dst, f32x4.add(f32x4.add(scaled, centred), v128.load(at + 3 * rowBytes)));
    }
  } while (--rows != 0);
}

// --- per-channel sums in float64 ---------------------------------------------------------------

/** Adds the 4 float32 lanes of `sum` to the 4 float64 values at byte address `address`. */
@inline
function accumulateFloat64(address: usize, sum: v128): void {
  v128.store(address, f64x2.add(v128.load(address), f64x2.promote_low_f32x4(sum)));
  v128.store(address, f64x2.add(v128.load(address, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(sum, sum, 2, 3, 2, 3))), 16);
}

/**
 * `depthwiseFilterRow(x, dy, sums, count, xStep, channels)`: for c < channels (a multiple of 4),
 * sums[c] += Σ_{i < count} x[i * xStep + c] * dy[i * channels + c]: one output row's share of
 * the depthwise filter gradient at one filter offset. x, dy float32 and sums float64 byte
 * offsets; xStep in bytes (stride * channels * 4); count > 0. Each row's products are summed
 * in float32 (at most a row of terms), then added to the float64 sums.
 */
export function depthwiseFilterRow(x: usize, dy: usize, sums: usize, count: u32, xStep: usize, channels: u32): void {
  const dyStep = (<usize>channels) << 2;
  for (let block: usize = 0; block < dyStep; block += 16) {
    let xp = x + block;
    let dp = dy + block;
    let left = count;
    let sum = f32x4.splat(0);
    do {
      sum = f32x4.add(sum, f32x4.mul(v128.load(xp), v128.load(dp)));
      xp += xStep;
      dp += dyStep;
    } while (--left != 0);
    accumulateFloat64(sums + (block << 1), sum);
  }
}

/** Rows summed in float32 before their sums are added to the float64 totals. */
const columnSumRowBlock: u32 = 64;

// The column reductions, one loop nest for the three (`kind` is a constant at each inlined call).
const COLUMN_SUMS = 0;
const CENTERED_SQUARE_SUMS = 1;
const BATCH_NORM_GRADIENT_SUMS = 2;

/**
 * The loop nest of the column reductions over [rows, channels] float32 data (channels a multiple
 * of 4, rows > 0): blocks of up to 64 rows; in each, channel blocks of 4 summed in float32 over
 * the block's rows, then added to the float64 sums. `a`: the data (dy for the BatchNorm
 * gradient); `b`: x; `mean`: the per-channel centre.
 */
@inline
function columnReduce(kind: i32, a: usize, b: usize, mean: usize, sums: usize, rows: u32, channels: u32): void {
  const rowBytes = (<usize>channels) << 2;
  do {
    const blockRows = rows > columnSumRowBlock ? columnSumRowBlock : rows;
    for (let block: usize = 0; block < rowBytes; block += 16) {
      let aAt = a + block;
      let bAt = b + block;
      const centre = kind == COLUMN_SUMS ? f32x4.splat(0) : v128.load(mean + block);
      let sum = f32x4.splat(0);
      let sumProduct = f32x4.splat(0);
      let left = blockRows;
      do {
        if (kind == COLUMN_SUMS) {
          sum = f32x4.add(sum, v128.load(aAt));
        } else if (kind == CENTERED_SQUARE_SUMS) {
          const difference = f32x4.sub(v128.load(aAt), centre);
          sum = f32x4.add(f32x4.mul(difference, difference), sum);
        } else {
          sum = f32x4.add(sum, v128.load(aAt));
          sumProduct = f32x4.add(sumProduct, f32x4.mul(v128.load(aAt), f32x4.sub(v128.load(bAt), centre)));
          bAt += rowBytes;
        }
        aAt += rowBytes;
      } while (--left != 0);
      // float64 sums at 2 * block; the BatchNorm gradient's second set at 2 * (rowBytes + block)
      accumulateFloat64(sums + (block << 1), sum);
      if (kind == BATCH_NORM_GRADIENT_SUMS) accumulateFloat64(sums + ((rowBytes + block) << 1), sumProduct);
    }
    a += <usize>blockRows * rowBytes;
    if (kind == BATCH_NORM_GRADIENT_SUMS) b += <usize>blockRows * rowBytes;
    rows -= blockRows;
  } while (rows != 0);
}

/**
 * `columnSums(src, sums, rows, channels)`: sums[c] += Σ_{r < rows} src[r * channels + c] for c <
 * channels (a multiple of 4): the reduction of NHWC data over its leading axes (BatchNorm's
 * statistics and their gradients, spatial means). rows > 0.
 */
export function columnSums(src: usize, sums: usize, rows: u32, channels: u32): void {
  columnReduce(COLUMN_SUMS, src, 0, 0, sums, rows, channels);
}

/**
 * `centeredSquareSums(src, mean, sums, rows, channels)`: sums[c] += Σ_r (src[r, c] - mean[c])²
 * for c < channels (a multiple of 4): the second pass of BatchNorm's training statistics
 * (centred, as tf.moments computes them, so no cancellation). rows > 0.
 */
export function centeredSquareSums(src: usize, mean: usize, sums: usize, rows: u32, channels: u32): void {
  columnReduce(CENTERED_SQUARE_SUMS, src, 0, mean, sums, rows, channels);
}

/**
 * `batchNormGradientSums(dy, x, mean, sums, rows, channels)`: for c < channels (a multiple of
 * 4), sums[c] += Σ_r dy[r, c] and sums[channels + c] += Σ_r dy[r, c] (x[r, c] - mean[c]): the
 * two reductions of BatchNorm's backward pass, in one pass over dy and x (2 * channels float64
 * sums). rows > 0.
 */
export function batchNormGradientSums(dy: usize, x: usize, mean: usize, sums: usize, rows: u32, channels: u32): void {
  columnReduce(BATCH_NORM_GRADIENT_SUMS, dy, x, mean, sums, rows, channels);
}

// --- transpose ---------------------------------------------------------------------------------

/**
 * One 4x4 block: source rows 4 * index .. + 3 of the band at `at` (rows `rowBytes` apart) into
 * destination rows 0..3 at `to` (`dstRowBytes` apart), columns 4 * index .. + 3.
 */
@inline
function transposeBlock(at: usize, to: usize, index: usize, rowBytes: usize, dstRowBytes: usize): void {
  const first = at + 4 * index * rowBytes;
  const a = v128.load(first);
  const b = v128.load(first + rowBytes);
  const c = v128.load(first + 2 * rowBytes);
  const d = v128.load(first + 3 * rowBytes);
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  const column = to + 16 * index;
  v128.store(column, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(column + dstRowBytes, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(column + 2 * dstRowBytes, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(column + 3 * dstRowBytes, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

/** The transposes' loop nest over bands of 4 * bandBlocks source rows (a constant when inlined). */
@inline
function transposeBands(bandBlocks: usize, src: usize, dst: usize, rows: u32, columns: u32, dstRows: u32): void {
  const rowBytes = (<usize>columns) << 2;
  const dstRowBytes = (<usize>dstRows) << 2;
  do {
    let to = dst;
    for (let at = src; at < src + rowBytes; at += 16, to += dstRowBytes << 2) {
      // Written out: the compiler does not unroll loops.
      transposeBlock(at, to, 0, rowBytes, dstRowBytes);
      if (bandBlocks == 4) {
        transposeBlock(at, to, 1, rowBytes, dstRowBytes);
        transposeBlock(at, to, 2, rowBytes, dstRowBytes);
        transposeBlock(at, to, 3, rowBytes, dstRowBytes);
      }
    }
    src += rowBytes * 4 * bandBlocks;
    dst += 16 * bandBlocks;
    rows -= 4 * <u32>bandBlocks;
  } while (rows != 0);
}

/**
 * `transpose4(src, dst, rows, columns, dstRows)` / `transpose16(...)`: dst[c, r] = src[r, c] for
 * 4-byte elements in 4x4 blocks transposed with shuffles; rows a multiple of 4 (resp. 16),
 * columns a multiple of 4, both > 0; dst rows are `dstRows` elements long (the whole matrix's
 * row count, so that a caller can transpose a matrix in horizontal bands). transpose16 takes
 * bands of 16 source rows, so that each destination row gets a whole 64-byte cache line at a
 * time: with 4-row bands the 16-byte stores to rows a power-of-two multiple apart thrash the
 * cache. The stock kernel moves one element at a time (30 ms for a [50176, 96] matrix).
 */
export function transpose4(src: usize, dst: usize, rows: u32, columns: u32, dstRows: u32): void {
  transposeBands(1, src, dst, rows, columns, dstRows);
}

export function transpose16(src: usize, dst: usize, rows: u32, columns: u32, dstRows: u32): void {
  transposeBands(4, src, dst, rows, columns, dstRows);
}
