import { describe, expect, it } from 'vitest';
import { createRng, opticalDistortion, opticalDistortionMaps, remap } from '../src/index.js';

describe('opticalDistortion one-pass uint8 RGB path', () => {
  it('equals remap(opticalDistortionMaps) for random sizes, k, shifts and every border mode', () => {
    const rng = createRng(31);
    for (let trial = 0; trial < 150; trial++) {
      const width = rng.randint(1, 45);
      const height = rng.randint(1, 45);
      const data = new Uint8Array(width * height * 3);
      for (let index = 0; index < data.length; index++) data[index] = rng.randint(0, 255);
      const image = { data, width, height, channels: 3 };
      const k = rng.uniform(-1.5, 1.5);
      const dx = rng.uniform(-6, 6);
      const dy = rng.uniform(-6, 6);
      const border = rng.randint(0, 4) as 0 | 1 | 2 | 3 | 4;
      const onePass = opticalDistortion(image, k, dx, dy, 1, border, [7, 80, 250]);
      const { mapX, mapY } = opticalDistortionMaps(width, height, k, dx, dy);
      const reference = remap(image, mapX, mapY, 1, border, [7, 80, 250]);
      expect(
        Buffer.from(onePass.data as Uint8Array).equals(Buffer.from(reference.data as Uint8Array)),
        `${width}x${height} k=${k} border=${border}`,
      ).toBe(true);
    }
  });
});
