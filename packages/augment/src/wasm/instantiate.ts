/**
 * Synchronous instantiation of a WebAssembly module shipped as base64 (the transform kernels,
 * the JPEG decoder). The package compiles without DOM typings, so the part of the WebAssembly JS
 * API it uses is declared here.
 */

/** A module's exported linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * The module's exports, or undefined where it cannot run: no WebAssembly, no SIMD (the engine
 * rejects the module), or synchronous compilation refused (a browser main thread). Callers then
 * take their JavaScript or sharp path.
 */
export function instantiateBase64<Exports>(
  base64: string,
  imports: Record<string, Record<string, unknown>> = {},
): Exports | undefined {
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (typeof wasm !== 'object' || typeof atob !== 'function') return undefined;
  const bytes = decodeBase64(base64);
  if (!wasm.validate(bytes)) return undefined;
  try {
    return new wasm.Instance(new wasm.Module(bytes), imports).exports as Exports;
  } catch {
    return undefined;
  }
}

/** A typed array the kernels read or write. */
type Buffer = Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * One call's memory: a bump allocator over the module's linear memory, reset per call.
 * Pointers are byte offsets, 16-byte aligned (SIMD loads).
 */
export class WasmArena {
  private top: number;
  constructor(
    private readonly memory: WasmMemory,
    base: number,
  ) {
    this.top = base;
  }

  /** The first byte not yet reserved. */
  get end(): number {
    return this.top;
  }

  /** Reserves `bytes` and returns the pointer (grows the memory when needed). */
  allocate(bytes: number): number {
    const pointer = this.top;
    this.top = (pointer + bytes + 15) & ~15;
    const memory = this.memory;
    if (this.top > memory.buffer.byteLength) memory.grow(Math.ceil((this.top - memory.buffer.byteLength) / 65536));
    return pointer;
  }

  /** Copies `values` into fresh memory and returns its pointer. */
  copyIn(values: Buffer): number {
    const pointer = this.allocate(values.byteLength);
    new Uint8Array(this.memory.buffer, pointer, values.byteLength).set(
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    );
    return pointer;
  }

  /** A Uint8Array view of `length` bytes at `pointer` (valid until the next allocation). */
  bytes(pointer: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, pointer, length);
  }

  /** A Float32Array view of `length` values at `pointer`. */
  floats(pointer: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, pointer, length);
  }
}
