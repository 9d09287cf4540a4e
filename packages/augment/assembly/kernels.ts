// AssemblyScript source of @art/augment's WebAssembly SIMD kernels (compiled by
// scripts/build-wasm.ts into src/wasm/kernels-binary.ts). Each kernel is a line-for-line
// port of the JavaScript path it replaces, with the same integer and IEEE float operations, so
// both give the same bytes; the JS path stays the reference and the fallback.
// All arguments are byte offsets into this module's memory, which the JS side lays out.

// The ziggurat's rare slow path needs exp and log; they are imported from JavaScript (Math.exp,
// Math.log), so the stream of normals is bit-identical to the JavaScript generator's.
@external("env", "exp")
declare function jsExp(x: f64): f64;
@external("env", "log")
declare function jsLog(x: f64): f64;

export function heapBase(): usize {
  return __heap_base;
}

// --- resize (OpenCV INTER_LINEAR, 8-bit fixed point) ------------------------------------------

@inline
function horizontalLinear(src: usize, base: usize, row: usize, length: i32, xs0: usize, xs1: usize, a0: usize, a1: usize, channels: i32): void {
  if (channels == 3) {
    // RGB: the tables of a pixel's first channel serve all three (offsets + 1, + 2).
    for (let e: i32 = 0; e < length; e += 3) {
      const o = (<usize>e) << 2;
      const p0 = base + <usize>load<i32>(xs0 + o);
      const p1 = base + <usize>load<i32>(xs1 + o);
      const c0 = load<i32>(a0 + o);
      const c1 = load<i32>(a1 + o);
      store<i32>(row + o, (<i32>load<u8>(p0) * c0 + <i32>load<u8>(p1) * c1) >> 4);
      store<i32>(row + o, (<i32>load<u8>(p0, 1) * c0 + <i32>load<u8>(p1, 1) * c1) >> 4, 4);
      store<i32>(row + o, (<i32>load<u8>(p0, 2) * c0 + <i32>load<u8>(p1, 2) * c1) >> 4, 8);
    }
    return;
  }
  for (let e: i32 = 0; e < length; e++) {
    const o = (<usize>e) << 2;
    const v0 = <i32>load<u8>(base + <usize>load<i32>(xs0 + o));
    const v1 = <i32>load<u8>(base + <usize>load<i32>(xs1 + o));
    store<i32>(row + o, (v0 * load<i32>(a0 + o) + v1 * load<i32>(a1 + o)) >> 4);
  }
}

@inline
function verticalLane(rowA: usize, rowB: usize, offset: usize, b0: v128, b1: v128): v128 {
  const top = i32x4.shr_s(i32x4.mul(v128.load(rowA + offset), b0), 16);
  const bottom = i32x4.shr_s(i32x4.mul(v128.load(rowB + offset), b1), 16);
  return i32x4.shr_s(i32x4.add(i32x4.add(top, bottom), i32x4.splat(2)), 2);
}

/**
 * OpenCV resizeGeneric linear for uint8: horizontal pass `(s0*a0 + s1*a1) >> 4` per element
 * (tables per output element), vertical pass `((A*b0 >> 16) + (B*b1 >> 16) + 2) >> 2` with
 * SIMD, two cached rows as OpenCV's ring buffer.
 */
export function resizeLinearU8(
  src: usize, srcStride: i32, out: usize, rowLength: i32, rows: i32,
  xs0: usize, xs1: usize, a0: usize, a1: usize,
  ys0: usize, ys1: usize, b0: usize, b1: usize,
  scratchA: usize, scratchB: usize, channels: i32,
): void {
  let rowA = scratchA;
  let rowB = scratchB;
  let sourceA: i32 = -1;
  let sourceB: i32 = -1;
  for (let y: i32 = 0; y < rows; y++) {
    const yo = (<usize>y) << 2;
    const sy0 = load<i32>(ys0 + yo);
    const sy1 = load<i32>(ys1 + yo);
    if (sourceA != sy0) {
      if (sourceB == sy0) {
        const swapRow = rowA;
        rowA = rowB;
        rowB = swapRow;
        sourceB = sourceA;
        sourceA = sy0;
      } else {
        horizontalLinear(src, src + <usize>(sy0 * srcStride), rowA, rowLength, xs0, xs1, a0, a1, channels);
        sourceA = sy0;
      }
    }
    if (sourceB != sy1) {
      horizontalLinear(src, src + <usize>(sy1 * srcStride), rowB, rowLength, xs0, xs1, a0, a1, channels);
      sourceB = sy1;
    }
    const c0 = load<i32>(b0 + yo);
    const c1 = load<i32>(b1 + yo);
    const vb0 = i32x4.splat(c0);
    const vb1 = i32x4.splat(c1);
    const outRow = out + <usize>(y * rowLength);
    let e: i32 = 0;
    for (; e + 16 <= rowLength; e += 16) {
      const o = (<usize>e) << 2;
      const r0 = verticalLane(rowA, rowB, o, vb0, vb1);
      const r1 = verticalLane(rowA, rowB, o + 16, vb0, vb1);
      const r2 = verticalLane(rowA, rowB, o + 32, vb0, vb1);
      const r3 = verticalLane(rowA, rowB, o + 48, vb0, vb1);
      // Values are in 0..255, so the saturating narrows are exact.
      v128.store(outRow + <usize>e, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)));
    }
    for (; e < rowLength; e++) {
      const o = (<usize>e) << 2;
      store<u8>(outRow + <usize>e, <u8>((((load<i32>(rowA + o) * c0) >> 16) + ((load<i32>(rowB + o) * c1) >> 16) + 2) >> 2));
    }
  }
}

// --- normalize (albumentations normalize_cv2, float32) ---------------------------------------

/** 16 uint8 values → 16 float32 `(v - offset) * factor` (IEEE single, as the scalar code). */
@inline
function storePlane16(target: usize, values: v128, offset: v128, factor: v128): void {
  const low = i16x8.extend_low_i8x16_u(values);
  const high = i16x8.extend_high_i8x16_u(values);
  v128.store(target, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(low)), offset), factor));
  v128.store(target, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(low)), offset), factor), 16);
  v128.store(target, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(high)), offset), factor), 32);
  v128.store(target, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(high)), offset), factor), 48);
}

/** `f32(f32(v - offset[c]) * factor[c])` for uint8 input, HWC or planar (CHW) output. */
export function normalizeU8(src: usize, out: usize, pixels: i32, channels: i32, planar: bool, offsets: usize, factors: usize): void {
  if (planar && channels == 3) {
    const o0 = load<f32>(offsets);
    const o1 = load<f32>(offsets, 4);
    const o2 = load<f32>(offsets, 8);
    const f0 = load<f32>(factors);
    const f1 = load<f32>(factors, 4);
    const f2 = load<f32>(factors, 8);
    const plane1 = out + ((<usize>pixels) << 2);
    const plane2 = plane1 + ((<usize>pixels) << 2);
    const vo0 = f32x4.splat(o0);
    const vo1 = f32x4.splat(o1);
    const vo2 = f32x4.splat(o2);
    const vf0 = f32x4.splat(f0);
    const vf1 = f32x4.splat(f1);
    const vf2 = f32x4.splat(f2);
    let p: i32 = 0;
    // 16 pixels (48 bytes) per step: swizzle the three vectors into R, G, B planes (an index
    // >= 16 selects 0, so OR-ing three swizzles gathers one channel), then widen to float.
    for (; p + 16 <= pixels; p += 16) {
      const i = src + <usize>(p * 3);
      const v0 = v128.load(i);
      const v1 = v128.load(i, 16);
      const v2 = v128.load(i, 32);
      const r = v128.or(v128.or(
        i8x16.swizzle(v0, i8x16(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
        i8x16.swizzle(v1, i8x16(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1))),
        i8x16.swizzle(v2, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13)));
      const g = v128.or(v128.or(
        i8x16.swizzle(v0, i8x16(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
        i8x16.swizzle(v1, i8x16(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1))),
        i8x16.swizzle(v2, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14)));
      const b = v128.or(v128.or(
        i8x16.swizzle(v0, i8x16(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
        i8x16.swizzle(v1, i8x16(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1))),
        i8x16.swizzle(v2, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15)));
      const o = (<usize>p) << 2;
      storePlane16(out + o, r, vo0, vf0);
      storePlane16(plane1 + o, g, vo1, vf1);
      storePlane16(plane2 + o, b, vo2, vf2);
    }
    for (; p < pixels; p++) {
      const i = src + <usize>(p * 3);
      const o = (<usize>p) << 2;
      store<f32>(out + o, (<f32>load<u8>(i) - o0) * f0);
      store<f32>(plane1 + o, (<f32>load<u8>(i, 1) - o1) * f1);
      store<f32>(plane2 + o, (<f32>load<u8>(i, 2) - o2) * f2);
    }
    return;
  }
  for (let c: i32 = 0; c < channels; c++) {
    const offset = load<f32>(offsets + ((<usize>c) << 2));
    const factor = load<f32>(factors + ((<usize>c) << 2));
    for (let p: i32 = 0; p < pixels; p++) {
      const value = (<f32>load<u8>(src + <usize>(p * channels + c)) - offset) * factor;
      const target = planar ? c * pixels + p : p * channels + c;
      store<f32>(out + ((<usize>target) << 2), value);
    }
  }
}

// --- equal-weight filter (MotionBlur) --------------------------------------------------------

/**
 * Integer tap sums (SIMD, 16-bit lanes: needs taps <= 257), rounded through `table`
 * (round(S/n) half to even; -1 marks a float32 tie, recomputed with OpenCV's fused sequence).
 */
export function equalWeightFilterU8(
  padded: usize, out: usize, tapOffsets: usize, taps: i32, weight: f32,
  height: i32, rowLength: i32, paddedStride: i32, table: usize, sums: usize,
): void {
  for (let y: i32 = 0; y < height; y++) {
    const rowBase = padded + <usize>(y * paddedStride);
    let e: i32 = 0;
    for (; e + 8 <= rowLength; e += 8) {
      let sum = i16x8.splat(0);
      for (let t: i32 = 0; t < taps; t++) {
        sum = i16x8.add(sum, v128.load8x8_u(rowBase + <usize>load<i32>(tapOffsets + ((<usize>t) << 2)) + <usize>e));
      }
      v128.store(sums + ((<usize>e) << 1), sum);
    }
    for (; e < rowLength; e++) {
      let sum: i32 = 0;
      for (let t: i32 = 0; t < taps; t++) sum += <i32>load<u8>(rowBase + <usize>load<i32>(tapOffsets + ((<usize>t) << 2)) + <usize>e);
      store<u16>(sums + ((<usize>e) << 1), <u16>sum);
    }
    const outRow = out + <usize>(y * rowLength);
    for (e = 0; e < rowLength; e++) {
      const rounded = load<i16>(table + ((<usize>load<u16>(sums + ((<usize>e) << 1))) << 1));
      if (rounded >= 0) {
        store<u8>(outRow + <usize>e, <u8>rounded);
        continue;
      }
      let accumulator: f32 = 0;
      for (let t: i32 = 0; t < taps; t++) {
        const pixel = <f64>load<u8>(rowBase + <usize>load<i32>(tapOffsets + ((<usize>t) << 2)) + <usize>e);
        accumulator = <f32>(<f64>accumulator + pixel * <f64>weight);
      }
      let value = Math.floor(<f64>accumulator + 0.5);
      if (value - <f64>accumulator == 0.5 && (<i32>value & 1) != 0) value -= 1;
      store<u8>(outRow + <usize>e, <u8>(<i32>value));
    }
  }
}

// --- gauss noise (xoshiro128** + ziggurat, streamed) -----------------------------------------

let s0: i32 = 0;
let s1: i32 = 0;
let s2: i32 = 0;
let s3: i32 = 0;

/** xoshiro128**, as Xoshiro128StarStar.nextUint32 (returned as i32 bits). */
@inline
function nextWord(): i32 {
  const product = s1 * 5;
  const result = ((product << 7) | <i32>(<u32>product >> 25)) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = (s3 << 11) | <i32>(<u32>s3 >> 21);
  return result;
}

/** Uniform in (0, 1) from 32 bits, as the JS unitOpen. */
@inline
function unitOpen(): f64 {
  return (<f64>(<u32>nextWord()) + 0.5) / 4294967296.0;
}

const ZIGGURAT_R: f64 = 3.442619855899;

/** Xoshiro128StarStar.slowNormal, operation for operation. */
function slowNormal(firstHz: i32, firstIz: i32, kn: usize, wn: usize, fn: usize): f64 {
  let hz = firstHz;
  let iz = firstIz;
  const inverseR: f64 = 1.0 / ZIGGURAT_R;
  while (true) {
    const x = <f64>hz * load<f64>(wn + ((<usize>iz) << 3));
    if (iz == 0) {
      let tail: f64;
      let y: f64;
      do {
        tail = -jsLog(unitOpen()) * inverseR;
        y = -jsLog(unitOpen());
      } while (y + y < tail * tail);
      return hz > 0 ? ZIGGURAT_R + tail : -ZIGGURAT_R - tail;
    }
    const fnHere = load<f64>(fn + ((<usize>iz) << 3));
    const fnBelow = load<f64>(fn + ((<usize>(iz - 1)) << 3));
    if (fnHere + unitOpen() * (fnBelow - fnHere) < jsExp(-0.5 * x * x)) return x;
    hz = nextWord();
    iz = hz & 127;
    if (Math.abs(<f64>hz) < load<f64>(kn + ((<usize>iz) << 3))) return <f64>hz * load<f64>(wn + ((<usize>iz) << 3));
  }
  return 0; // unreachable: the loop only exits by returning
}

/**
 * `out = uint8(clip(src + (mean + std * z), 0, 255))` (truncating) with z drawn by the
 * xoshiro128** / 128-layer ziggurat stream whose state is at `state` (4 x u32, updated).
 * `step` = 1: one normal per element; `step` = channels: one per pixel, shared.
 */
export function gaussNoiseU8(
  src: usize, out: usize, elements: i32, step: i32, mean: f64, std: f64,
  state: usize, kn: usize, wn: usize, fn: usize,
): void {
  // The hot loop keeps the state in locals; the globals carry it through the slow path.
  let a = load<i32>(state);
  let b = load<i32>(state, 4);
  let c = load<i32>(state, 8);
  let d = load<i32>(state, 12);
  for (let i: i32 = 0; i < elements; i += step) {
    const product = b * 5;
    const hz = ((product << 7) | <i32>(<u32>product >> 25)) * 9;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | <i32>(<u32>d >> 21);
    const iz = hz & 127;
    let value: f64;
    if (Math.abs(<f64>hz) < load<f64>(kn + ((<usize>iz) << 3))) {
      value = <f64>hz * load<f64>(wn + ((<usize>iz) << 3));
    } else {
      s0 = a;
      s1 = b;
      s2 = c;
      s3 = d;
      value = slowNormal(hz, iz, kn, wn, fn);
      a = s0;
      b = s1;
      c = s2;
      d = s3;
    }
    const noise = mean + std * value;
    if (step == 1) {
      // One normal per element (per_channel, the default): no inner loop.
      const sum = <f64>load<u8>(src + <usize>i) + noise;
      store<u8>(out + <usize>i, <u8>(sum <= 0 ? 0 : sum >= 255 ? 255 : <i32>sum));
      continue;
    }
    for (let channel: i32 = 0; channel < step; channel++) {
      const sum = <f64>load<u8>(src + <usize>(i + channel)) + noise;
      store<u8>(out + <usize>(i + channel), <u8>(sum <= 0 ? 0 : sum >= 255 ? 255 : <i32>sum));
    }
  }
  store<i32>(state, a);
  store<i32>(state, b, 4);
  store<i32>(state, c, 8);
  store<i32>(state, d, 12);
}


// --- optical distortion (initUndistortRectifyMap + remap, INTER_LINEAR, uint8 RGB) -----------

/**
 * opticalDistortionRgb8's interior pass: per pixel the same float64 map coordinates (float32
 * rounding, round half to even on remap's 1/32 grid), then the 15-bit fixed-point bilinear sum
 * from `table` (1024 x 4 i32 weights). A pixel whose 2x2 neighbourhood leaves the image is not
 * written: its index, sx, sy and fraction go to `border` (4 x i32 each) for the JavaScript
 * border code. `coordinates` is scratch for one row (width x 2 i32). Returns how many border
 * pixels were listed. Each row runs in two loops (grid coordinates, then interpolation): V8
 * compiles the two halves much better apart than fused (0.8 against 1.3 ms at 300x300).
 */
export function opticalDistortionRgb8(
  src: usize, out: usize, width: i32, height: i32,
  fx: f64, fy: f64, cx: f64, cy: f64, k: f64, ir0: f64, ir2: f64, ir4: f64, ir5: f64,
  table: usize, border: usize, coordinates: usize,
): i32 {
  const stride = width * 3;
  const innerWidth = width - 1;
  const innerHeight = height - 1;
  // x and y go through the same steps side by side in one f64x2 (lane 0: x, lane 1: y).
  const scale = f64x2(fx, fy);
  const centre = f64x2(cx, cy);
  const grid = f64x2.splat(32);
  let borderCount: i32 = 0;
  for (let i: i32 = 0; i < height; i++) {
    let x = ir2;
    const y = <f64>i * ir4 + ir5;
    const y2 = y * y;
    for (let j: i32 = 0; j < width; j++, x += ir0) {
      const r2 = x * x + y2;
      const kr = 1 + ((0 * r2 + k) * r2 + k) * r2;
      const point = f64x2.mul(f64x2.replace_lane(f64x2.splat(x), 1, y), f64x2.splat(kr));
      // float32 maps (demote rounds to nearest even, as the scalar conversion), then remap's
      // 1/32 grid rounded half to even. The caller keeps |map * 32| below 2^31, where the
      // saturating conversion and JavaScript's `X >> 5` on the double agree.
      const single = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(scale, point), centre)));
      const rounded = i32x4.trunc_sat_f64x2_s_zero(f64x2.nearest(f64x2.mul(single, grid)));
      v128.store64_lane(coordinates + ((<usize>j) << 3), rounded, 0);
    }
    const rowIndex = i * width;
    for (let j: i32 = 0; j < width; j++) {
      const X = load<i32>(coordinates + ((<usize>j) << 3));
      const Y = load<i32>(coordinates + ((<usize>j) << 3), 4);
      const sx = X >> 5;
      const sy = Y >> 5;
      const fraction = (Y & 31) * 32 + (X & 31);
      if (sx >= 0 && sx < innerWidth && sy >= 0 && sy < innerHeight) {
        const w = table + ((<usize>fraction) << 4);
        const w0 = load<i32>(w);
        const w1 = load<i32>(w, 4);
        const w2 = load<i32>(w, 8);
        const w3 = load<i32>(w, 12);
        const p = src + <usize>(sy * stride + sx * 3);
        const q = p + <usize>stride;
        const o = out + <usize>((rowIndex + j) * 3);
        store<u8>(o, <u8>((<i32>load<u8>(p) * w0 + <i32>load<u8>(p, 3) * w1 + <i32>load<u8>(q) * w2 + <i32>load<u8>(q, 3) * w3 + 16384) >> 15));
        store<u8>(o, <u8>((<i32>load<u8>(p, 1) * w0 + <i32>load<u8>(p, 4) * w1 + <i32>load<u8>(q, 1) * w2 + <i32>load<u8>(q, 4) * w3 + 16384) >> 15), 1);
        store<u8>(o, <u8>((<i32>load<u8>(p, 2) * w0 + <i32>load<u8>(p, 5) * w1 + <i32>load<u8>(q, 2) * w2 + <i32>load<u8>(q, 5) * w3 + 16384) >> 15), 2);
      } else {
        const b = border + ((<usize>borderCount) << 4);
        store<i32>(b, rowIndex + j);
        store<i32>(b, sx, 4);
        store<i32>(b, sy, 8);
        store<i32>(b, fraction, 12);
        borderCount++;
      }
    }
  }
  return borderCount;
}

// --- flips ----------------------------------------------------------------------------------

/**
 * `out` = `src` mirrored left-right (`horizontal`) and/or top-bottom (`vertical`), uint8 with
 * `channels` interleaved. Rows are copied whole when only the row order changes; 3-channel rows
 * are reversed four pixels (12 bytes) per swizzle.
 */
export function flipU8(src: usize, out: usize, width: i32, height: i32, channels: i32, horizontal: bool, vertical: bool): void {
  const rowLength = width * channels;
  // Reverses the 4 RGB pixels in lanes 4..15 into lanes 0..11 (lanes 12..15: scratch).
  const reverseFourPixels = v128(13, 14, 15, 10, 11, 12, 7, 8, 9, 4, 5, 6, 0, 1, 2, 3);
  for (let y: i32 = 0; y < height; y++) {
    const from = src + <usize>((vertical ? height - 1 - y : y) * rowLength);
    const to = out + <usize>(y * rowLength);
    if (!horizontal) {
      memory.copy(to, from, <usize>rowLength);
      continue;
    }
    let x: i32 = 0;
    if (channels == 3) {
      // Output pixels x..x+3 are source pixels width-4-x..width-1-x. The load starts 4 bytes
      // before them and the store writes 4 scratch bytes after them; with x <= width-6 both
      // stay inside their rows, and the next group (or the scalar tail) overwrites the scratch.
      for (; x + 6 <= width; x += 4) {
        const pixels = v128.load(from + <usize>((width - 4 - x) * 3 - 4));
        v128.store(to + <usize>(x * 3), i8x16.swizzle(pixels, reverseFourPixels));
      }
    }
    for (; x < width; x++) {
      const source = from + <usize>((width - 1 - x) * channels);
      const target = to + <usize>(x * channels);
      for (let c: i32 = 0; c < channels; c++) store<u8>(target + <usize>c, load<u8>(source + <usize>c));
    }
  }
}
