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
export function instantiateBase64<Exports>(base64: string, imports: Record<string, Record<string, unknown>> = {}): Exports | undefined {
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
