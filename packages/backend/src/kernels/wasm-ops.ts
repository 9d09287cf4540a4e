import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A tensor as kernels see it: data id, shape and dtype, without engine bookkeeping. */
export type TensorInfo = tf.TensorInfo;

/**
 * Runs the wasm backend's own kernels (XNNPACK matmul, convolution, transpose...) from inside
 * one of our kernels and frees every intermediate result at the end.
 *
 * Kernels are called through their registered `kernelFunc` rather than through tf ops, so
 * nothing is recorded on the gradient tape and no engine tensors are created. Each result owns
 * one reference to its backend data; `dispose()` drops the references of everything that was
 * not handed out with `keep()`.
 */
export class WasmOps {
  private readonly temporaries: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(
    kernelName: string,
    inputs: Record<string, TensorInfo> | TensorInfo[],
    attrs: Record<string, unknown> = {},
  ): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (kernel === undefined) {
      throw new Error(`The wasm backend has no "${kernelName}" kernel, which @art/backend builds on.`);
    }
    const result = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: attrs as tf.NamedAttrMap,
      backend: this.backend,
    }) as TensorInfo;
    this.temporaries.push(result);
    return result;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Zero padding; skipped when every amount is zero. */
  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    if (paddings.every(([before, after]) => before === 0 && after === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** `x[begin : begin + size]`; skipped when it is the whole tensor. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, axis) => s === x.shape[axis])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /** Strided slice without masks; falls back to `slice` for unit strides. */
  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    if (strides.every((s) => s === 1)) {
      return this.slice(
        x,
        begin,
        end.map((e, axis) => e - begin[axis]!),
      );
    }
    return this.run(
      'StridedSlice',
      { x },
      { begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 },
    );
  }

  /** `a @ b` for rank-3 operands without transposes: the only case XNNPACK runs in tfjs-backend-wasm. */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** Takes ownership of a tensor made outside `run` (freed by `dispose()` unless kept). */
  adopt(info: TensorInfo): TensorInfo {
    this.temporaries.push(info);
    return info;
  }

  /** Hands a result to the caller: it survives `dispose()`. */
  keep(result: TensorInfo): TensorInfo {
    const index = this.temporaries.lastIndexOf(result);
    if (index >= 0) {
      this.temporaries.splice(index, 1);
      return result;
    }
    // An input passed straight through: the output needs its own reference.
    this.backend.incRef(result.dataId);
    return { dataId: result.dataId, shape: result.shape.slice(), dtype: result.dtype };
  }

  dispose(): void {
    for (const info of this.temporaries) this.backend.disposeData(info.dataId);
    this.temporaries.length = 0;
  }
}

/** Wraps a kernel body so that intermediates are freed even when it throws. */
export function withWasmOps(backend: BackendWasm, body: (ops: WasmOps) => TensorInfo): TensorInfo {
  const ops = new WasmOps(backend);
  try {
    return ops.keep(body(ops));
  } finally {
    ops.dispose();
  }
}

/**
 * Inserts `stride - 1` zeros after every row and column of an NHWC tensor (the "transposed
 * convolution" input). The result has `rows * strideHeight` rows: the trailing zeros are part
 * of it and callers account for them.
 */
export function dilateSpatial(ops: WasmOps, x: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return x;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const expanded = ops.reshape(x, [n, h, 1, w, 1, c]);
  const padded = ops.pad(expanded, [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  return ops.reshape(padded, [n, h * strideHeight, w * strideWidth, c]);
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor,
 * so that a following stride-1 convolution with no padding sees exactly the window it needs.
 */
export function padOrCropSpatial(
  ops: WasmOps,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const cropTop = Math.max(0, -top);
  const cropBottom = Math.max(0, -bottom);
  const cropLeft = Math.max(0, -left);
  const cropRight = Math.max(0, -right);
  const cropped = ops.slice(x, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c]);
  return ops.pad(cropped, [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ]);
}
