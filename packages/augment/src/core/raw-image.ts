/**
 * The plain image type every kernel works on: interleaved (HWC), row-major, any channel count.
 * `uint8` images hold 0..255; `float32` images are typically normalised data.
 */
export interface RawImage {
  /** Pixel values, `height * width * channels` entries, row-major, channels interleaved. */
  data: Uint8Array | Float32Array;
  width: number;
  height: number;
  channels: number;
  /**
   * Memory layout. Absent or `'HWC'` for every normal image; `'CHW'` only for the output of
   * {@link ToTensorV2}, which is meant to be the last step of a pipeline.
   */
  layout?: 'HWC' | 'CHW';
}

/** The geometry of an image without its pixels (what parameter sampling needs). */
export interface ImageShape {
  width: number;
  height: number;
  channels: number;
}

/**
 * Allocates a zero-filled image.
 * @example
 * const image = createImage(64, 48, 3); // uint8 RGB
 */
export function createImage(
  width: number,
  height: number,
  channels = 3,
  dtype: 'uint8' | 'float32' = 'uint8',
): RawImage {
  assertDimension('width', width);
  assertDimension('height', height);
  assertDimension('channels', channels);
  const size = width * height * channels;
  return { data: dtype === 'uint8' ? new Uint8Array(size) : new Float32Array(size), width, height, channels };
}

/**
 * Deep copy of an image (fresh data buffer).
 * @example
 * const copy = cloneImage(image);
 */
export function cloneImage(image: RawImage): RawImage {
  const data =
    image.data instanceof Uint8Array ? uninitializedBytes(image.data.length) : uninitializedFloats(image.data.length);
  data.set(image.data);
  const copy: RawImage = { data, width: image.width, height: image.height, channels: image.channels };
  if (image.layout) copy.layout = image.layout;
  return copy;
}

/**
 * Allocates a zeroed image of the same dtype as `like`.
 * @example
 * const out = allocateLike(image, 32, 32);
 */
export function allocateLike(like: RawImage, width: number, height: number, channels = like.channels): RawImage {
  const size = width * height * channels;
  const data = like.data instanceof Uint8Array ? new Uint8Array(size) : new Float32Array(size);
  return { data, width, height, channels };
}

// Node zero-fills every new ArrayBuffer: about 45 µs per MB, a fifth of Normalize's time at
// 300x300. Buffers that are written in full right away skip that where Node offers it.
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer;
const unsafeAllocate = NodeBuffer ? (size: number) => NodeBuffer.allocUnsafeSlow(size) : undefined;

let poison: number | undefined;

/**
 * Tests only: fill every "uninitialized" allocation with `byte` (undefined: stop), so a value a
 * kernel forgets to write shows up as a wrong pixel instead of passing on lucky zeros.
 */
export function poisonUninitializedAllocations(byte: number | undefined): void {
  poison = byte;
}

/** `length` bytes whose content is undefined: the caller must write every one before use. */
export function uninitializedBytes(length: number): Uint8Array {
  if (unsafeAllocate === undefined || length < 4096) return poisoned(new Uint8Array(length));
  const buffer = unsafeAllocate(length);
  return poisoned(new Uint8Array(buffer.buffer, buffer.byteOffset, length));
}

/** `length` float32 values whose content is undefined: the caller must write every one before use. */
export function uninitializedFloats(length: number): Float32Array {
  if (unsafeAllocate === undefined || length < 1024) return poisoned(new Float32Array(length));
  const buffer = unsafeAllocate(length * 4);
  return poisoned(new Float32Array(buffer.buffer, buffer.byteOffset, length));
}

function poisoned<T extends Uint8Array | Float32Array>(data: T): T {
  if (poison !== undefined) new Uint8Array(data.buffer, data.byteOffset, data.byteLength).fill(poison);
  return data;
}

/** An image like {@link allocateLike} whose pixels are undefined: for callers that write them all. */
export function allocateUninitializedLike(
  like: RawImage,
  width: number,
  height: number,
  channels = like.channels,
): RawImage {
  const size = width * height * channels;
  const data = like.data instanceof Uint8Array ? uninitializedBytes(size) : uninitializedFloats(size);
  return { data, width, height, channels };
}

function assertDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}

/**
 * Checks that `image` is a well-formed {@link RawImage}; throws a TypeError/RangeError naming
 * `argumentName` otherwise.
 * @example
 * assertRawImage(image, 'image');
 */
export function assertRawImage(image: unknown, argumentName = 'image'): asserts image is RawImage {
  if (typeof image !== 'object' || image === null) {
    throw new TypeError(`${argumentName} must be a RawImage { data, width, height, channels }, got ${String(image)}`);
  }
  const candidate = image as Partial<RawImage>;
  if (!(candidate.data instanceof Uint8Array) && !(candidate.data instanceof Float32Array)) {
    throw new TypeError(`${argumentName}.data must be a Uint8Array or Float32Array`);
  }
  for (const key of ['width', 'height', 'channels'] as const) {
    const value = candidate[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`${argumentName}.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  const expected = candidate.width! * candidate.height! * candidate.channels!;
  if (candidate.data.length !== expected) {
    throw new RangeError(
      `${argumentName}.data has ${candidate.data.length} values but width*height*channels = ${expected}`,
    );
  }
}

/**
 * Throws when a transform receives a CHW tensor (anything after ToTensorV2).
 * @example
 * assertHwc(image, 'HorizontalFlip');
 */
export function assertHwc(image: RawImage, transformName: string): void {
  if (image.layout === 'CHW') {
    throw new Error(`${transformName} received a CHW tensor; ToTensorV2 must be the last step of a pipeline`);
  }
}
