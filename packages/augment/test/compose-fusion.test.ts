import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CoarseDropout,
  Compose,
  HorizontalFlip,
  Normalize,
  RandomCrop,
  Resize,
  ToTensorV2,
  VerticalFlip,
  createRng,
  fromAlbumentationsDict,
  type AlbumentationsDict,
  type RawImage,
} from '../src/index.js';
import type { BaseTransform } from '../src/core/transform.js';
import { useWasmKernels } from '../src/wasm/index.js';
import { loadPipelineJson, sameBytes, syntheticImage } from './helpers.js';

afterEach(() => {
  useWasmKernels(true);
  vi.restoreAllMocks();
});

/** The children one at a time, each replaying its own record: no fused path can run. */
function stepByStep(children: readonly BaseTransform[], image: RawImage, records: readonly unknown[]): RawImage {
  expect(records).toHaveLength(children.length);
  return children.reduce((current, child, index) => child.replay(current, records[index] as never).image, image);
}

function toFloat(image: RawImage): RawImage {
  return { ...image, data: Float32Array.from(image.data) };
}

describe('Compose fused paths (Resize + crop, flips + Normalize, Normalize + ToTensorV2)', () => {
  const pipelines: [string, Compose][] = [
    ['B3 train recipe', fromAlbumentationsDict(loadPipelineJson('b3-train') as AlbumentationsDict) as Compose],
    [
      'flips + Normalize + ToTensorV2',
      new Compose([new HorizontalFlip(), new VerticalFlip(), new Normalize(), new ToTensorV2()]),
    ],
    [
      'flips + Normalize (HWC)',
      new Compose([
        new VerticalFlip(),
        new HorizontalFlip({ p: 0.7 }),
        new Normalize({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.3, 0.4] }),
      ]),
    ],
    [
      'repeated flips, Normalize that may not run',
      new Compose([
        new HorizontalFlip(),
        new HorizontalFlip(),
        new VerticalFlip(),
        new Normalize({ p: 0.5 }),
        new ToTensorV2(),
      ]),
    ],
    [
      'flips not followed by Normalize',
      new Compose([
        new HorizontalFlip(),
        new CoarseDropout({ maxHoles: 2, maxHeight: 3, maxWidth: 3 }),
        new VerticalFlip(),
        new Normalize(),
      ]),
    ],
    [
      'Resize + crop + flips',
      new Compose([
        new Resize({ height: 37, width: 29 }),
        new RandomCrop({ height: 20, width: 17 }),
        new VerticalFlip({ p: 0.9 }),
        new Normalize(),
        new ToTensorV2(),
      ]),
    ],
  ];

  for (const [name, pipeline] of pipelines) {
    it(`${name}: the same values and records as the steps one by one, kernels on and off, uint8 and float32`, () => {
      for (const kernels of [true, false]) {
        useWasmKernels(kernels);
        for (let seed = 0; seed < 24; seed++) {
          const uint8 = syntheticImage(19 + (seed % 5) * 7, 13 + (seed % 3) * 11, 3, seed + 1);
          for (const input of [uint8, toFloat(uint8)]) {
            const before = input.data.slice();
            const fused = pipeline.apply(input, createRng(seed));
            const records = (fused.params.transforms ?? []) as unknown[];
            const reference = stepByStep(pipeline.transforms, input, records);
            const label = `${name}, seed ${seed}, ${input.data.constructor.name}, kernels ${kernels ? 'on' : 'off'}`;
            expect(fused.image.layout, label).toBe(reference.layout);
            expect([fused.image.width, fused.image.height, fused.image.channels], label).toEqual([
              reference.width,
              reference.height,
              reference.channels,
            ]);
            expect(sameBytes(fused.image.data, reference.data), label).toBe(true);
            // Replaying the whole Compose takes the fused path again: same result.
            expect(sameBytes(pipeline.replay(input, fused.params).image.data, fused.image.data), label).toBe(true);
            expect(sameBytes(input.data, before), `${label}: input untouched`).toBe(true);
          }
        }
      }
    });
  }

  it('flips before Normalize take the fused path, and a flip that ran changes its result', () => {
    const fused = vi.spyOn(Normalize.prototype, 'applyMirrored');
    const image = syntheticImage(9, 7, 3, 3);
    const plain = new Compose([new Normalize(), new ToTensorV2()]).apply(image, createRng(1)).image;
    expect(fused).not.toHaveBeenCalled();
    const flipped = new Compose([new HorizontalFlip({ p: 1 }), new Normalize(), new ToTensorV2()]).apply(
      image,
      createRng(1),
    ).image;
    expect(fused).toHaveBeenCalledTimes(1);
    expect(fused.mock.calls[0]![2]).toEqual({ horizontal: true, vertical: false });
    expect(fused.mock.calls[0]![3]).toBe('CHW');
    const data = plain.data as Float32Array;
    const mirrored = flipped.data as Float32Array;
    // First row of the first channel, reversed.
    expect(Array.from(mirrored.subarray(0, 9))).toEqual(Array.from(data.subarray(0, 9)).reverse());
  });
});
