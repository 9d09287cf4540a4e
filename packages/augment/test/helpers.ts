import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawImage } from '../src/index.js';

export const fixturesDirectory = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The two committed fixture images (uint8 RGB). */
export function fixtureImage(name: 'a' | 'b'): RawImage {
  const [file, width, height] = name === 'a' ? ['img_a_w64_h48', 64, 48] : ['img_b_w97_h131', 97, 131];
  const data = new Uint8Array(readFileSync(resolve(fixturesDirectory, 'inputs', `${file as string}.rgb.bin`)));
  return { data, width: width as number, height: height as number, channels: 3 };
}

/** Deterministic pseudo-random uint8 image (no RNG under test involved). */
export function syntheticImage(width: number, height: number, channels = 3, seed = 1): RawImage {
  const data = new Uint8Array(width * height * channels);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = (state >>> 0) & 255;
  }
  return { data, width, height, channels };
}

export function loadPipelineJson(name: string): unknown {
  return JSON.parse(readFileSync(resolve(fixturesDirectory, 'pipelines', `${name}.json`), 'utf8'));
}

/** Fast exact equality of two typed arrays (vitest's deep equality is slow on large arrays). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.constructor === b.constructor &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  );
}
