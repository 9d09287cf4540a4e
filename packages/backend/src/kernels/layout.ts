import * as tf from '@tensorflow/tfjs';
import { kernelConfig, type KernelArgs } from './kernel-support.js';
import { byteOffset, poolFor, simdFor, type WasmHeapBackend } from './simd-backend.js';
import { runStockKernel } from './stock-kernels.js';
import type { TensorInfo } from './wasm-ops.js';

/**
 * Data movement on the wasm heap: Tile, Slice and Transpose as block copies (SIMD for the
 * transpose), Identity and same-dtype Cast without a copy. Cases outside the fast paths run the
 * stock kernels.
 */

/**
 * Tile by doubling memcpy (`copyWithin`) on the wasm heap: the stock kernel computes an index
 * per element, and the BatchNorm gradient tiles [C] vectors to the full activation size.
 */
export function tile({ inputs, backend, attrs }: KernelArgs<{ x: TensorInfo }, { reps: number[] }>): TensorInfo {
  const { x } = inputs;
  const rank = x.shape.length;
  const outShape = x.shape.map((size, axis) => size * attrs.reps[axis]!);
  const out = backend.makeOutput(outShape, x.dtype);
  const total = outShape.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  if (rank === 0) {
    (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(x) as Float32Array);
    return out;
  }
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const inStrides = new Array<number>(rank);
  const outStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  outStrides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) {
    inStrides[axis] = inStrides[axis + 1]! * x.shape[axis + 1]!;
    outStrides[axis] = outStrides[axis + 1]! * outShape[axis + 1]!;
  }
  // Writes one repetition of the input block of `axis` at `outOffset`, then doubles it in place.
  const fill = (axis: number, inOffset: number, outOffset: number): void => {
    const block = x.shape[axis]! * outStrides[axis]!;
    if (axis === rank - 1) {
      target.set(source.subarray(inOffset, inOffset + x.shape[axis]!), outOffset);
    } else {
      for (let i = 0; i < x.shape[axis]!; i++)
        fill(axis + 1, inOffset + i * inStrides[axis]!, outOffset + i * outStrides[axis]!);
    }
    const end = outOffset + block * attrs.reps[axis]!;
    for (let filled = block; outOffset + filled < end; filled *= 2) {
      target.copyWithin(outOffset + filled, outOffset, Math.min(outOffset + filled * 2, end) - filled);
    }
  };
  fill(0, 0, 0);
  return out;
}

/**
 * Identity without a copy. The engine clones every tensor it saves for the backward pass
 * (`Identity`), and the stock wasm kernel memcpys each one, doubling the memory of saved
 * activations. Tensors are immutable, so sharing the data (as the cpu backend does) is safe.
 */
export function identity(args: KernelArgs<{ x: TensorInfo }, Record<string, never>>): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runStockKernel('Identity', args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** Cast to the same dtype shares the data (moments() casts float32 to float32); others as stock. */
export function cast(args: KernelArgs<{ x: TensorInfo }, { dtype: tf.DataType }>): TensorInfo {
  if (args.inputs.x.dtype === args.attrs.dtype && args.attrs.dtype !== 'string') return identity(args as never);
  return runStockKernel('Cast', args);
}
/**
 * Slice as contiguous block copies on the wasm heap: the trailing axes that are taken whole
 * form one block, copied with `TypedArray.set`. The stock kernel computes an index per element
 * for rank 4 and up (the ZeroPadding2D gradient slices whole activations).
 */
export function slice(
  args: KernelArgs<{ x: TensorInfo }, { begin: number | number[]; size: number | number[] }>,
): TensorInfo {
  const { x } = args.inputs;
  const backend = args.backend;
  const rank = x.shape.length;
  if (x.dtype === 'string' || rank === 0) return runStockKernel('Slice', args);
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, args.attrs.begin, args.attrs.size);
  const total = size.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(size, x.dtype);
  if (total === 0) return out;
  // Innermost axes taken whole, plus the first partial one, form the contiguous block.
  let blockAxis = rank - 1;
  while (blockAxis > 0 && begin[blockAxis] === 0 && size[blockAxis] === x.shape[blockAxis]) blockAxis--;
  let block = 1;
  for (let axis = blockAxis; axis < rank; axis++) block *= size[axis]!;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1]! * x.shape[axis + 1]!;
  let start = 0;
  for (let axis = 0; axis < rank; axis++) start += begin[axis]! * strides[axis]!;
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const blocks = total / block;
  const index = new Array<number>(blockAxis).fill(0);
  for (let b = 0, to = 0; b < blocks; b++, to += block) {
    let from = start;
    for (let axis = 0; axis < blockAxis; axis++) from += index[axis]! * strides[axis]!;
    target.set(source.subarray(from, from + block), to);
    // Next block: an odometer over the outer axes.
    for (let axis = blockAxis - 1; axis >= 0; axis--) {
      if (++index[axis]! < size[axis]!) break;
      index[axis] = 0;
    }
  }
  return out;
}

/**
 * Transpose of 4-byte elements whose permutation, after merging axes that stay adjacent, swaps
 * two blocks ([1, 0]: a matrix transpose) or two blocks under a batch axis ([0, 2, 1]), with both
 * sides a multiple of 4: 4x4 SIMD blocks. Other cases run the stock kernel.
 */
export function transpose(args: KernelArgs<{ x: TensorInfo }, { perm: number[] }>): TensorInfo {
  const { x } = args.inputs;
  const perm = args.attrs.perm;
  // Merge runs of consecutive axes (i, i + 1, ...) in perm into single axes.
  const groups: number[][] = [];
  for (const axis of perm) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1]! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const groupSize = (group: number[]) => group.reduce((size, axis) => size * x.shape[axis]!, 1);
  const order = groups.map((group) => group[0]!);
  let batch = 1;
  let rows = 0;
  let columns = 0;
  if (groups.length === 2 && order[0]! > order[1]!) {
    [rows, columns] = [groupSize(groups[1]!), groupSize(groups[0]!)];
  } else if (groups.length === 3 && order[0] === 0 && order[1]! > order[2]!) {
    [batch, rows, columns] = [groupSize(groups[0]!), groupSize(groups[2]!), groupSize(groups[1]!)];
  }
  if (
    (x.dtype !== 'float32' && x.dtype !== 'int32') ||
    rows === 0 ||
    columns === 0 ||
    rows % 4 !== 0 ||
    columns % 4 !== 0
  ) {
    return runStockKernel('Transpose', args);
  }
  const backend = args.backend as unknown as WasmHeapBackend;
  const out = backend.makeOutput(
    perm.map((axis) => x.shape[axis]!),
    x.dtype,
  );
  const functions = simdFor(backend);
  const source = byteOffset(backend, x);
  const target = byteOffset(backend, out);
  const matrixBytes = 4 * rows * columns;
  const wholeBands = rows - (rows % 16);
  const pool = poolFor(backend);
  for (let b = 0; b < batch; b++) {
    const [from, to] = [source + b * matrixBytes, target + b * matrixBytes];
    // Large matrices: bands of rows shared out between threads (the same two functions).
    if (pool?.transpose(from, to, rows, columns) === true) continue;
    if (wholeBands > 0) functions.transpose16(from, to, wholeBands, columns, rows);
    if (wholeBands < rows)
      functions.transpose4(from + 4 * wholeBands * columns, to + 4 * wholeBands, rows - wholeBands, columns, rows);
  }
  return out;
}

/** Replace the wasm backend's kernels of the same names (see `registerWasmTrainingKernels`). */
export const layoutKernels: tf.KernelConfig[] = [
  kernelConfig('Tile', 'wasm', tile),
  kernelConfig('Slice', 'wasm', slice),
  kernelConfig('Transpose', 'wasm', transpose),
  kernelConfig('Identity', 'wasm', identity),
  kernelConfig('Cast', 'wasm', cast),
];
