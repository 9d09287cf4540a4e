import { describe, expect, it } from 'vitest';
import {
  ChannelShuffle,
  Compose,
  Flip,
  HorizontalFlip,
  InvertImg,
  OneOrOther,
  RandomGamma,
  Solarize,
  ToFloat,
  VerticalFlip,
  createRng,
  fromAlbumentationsDict,
  hflip,
  toAlbumentationsDict,
  vflip,
} from '../src/index.js';
import { sameBytes, syntheticImage } from './helpers.js';

describe('OneOrOther (albumentations 1.3.1 core/composition.py)', () => {
  const image = syntheticImage(5, 4, 3, 11);

  it('draws once: below p the first runs, otherwise the last, forced (its own p = 0 does not stop it)', () => {
    const pipeline = new OneOrOther([new HorizontalFlip({ p: 0 }), new VerticalFlip({ p: 0 })], { p: 0.3 });
    for (let seed = 0; seed < 20; seed++) {
      const draw = createRng(seed).random();
      const result = pipeline.apply(image, createRng(seed));
      expect(result.params.params).toEqual({ chosen: draw < 0.3 ? 0 : 1 });
      expect(sameBytes(result.image.data, (draw < 0.3 ? hflip(image) : vflip(image)).data)).toBe(true);
      expect(sameBytes(pipeline.replay(image, result.params).image.data, result.image.data)).toBe(true);
    }
  });

  it('serializes as albumentations does and loads back', () => {
    const pipeline = new Compose([new OneOrOther([new Flip({ p: 1 }), new RandomGamma()], { p: 0.25 })]);
    const dict = toAlbumentationsDict(pipeline);
    expect(dict.transform.transforms).toEqual([
      {
        __class_fullname__: 'OneOrOther',
        p: 0.25,
        transforms: [
          { __class_fullname__: 'Flip', always_apply: false, p: 1 },
          { __class_fullname__: 'RandomGamma', always_apply: false, p: 0.5, gamma_limit: [80, 120], eps: null },
        ],
      },
    ]);
    const loaded = fromAlbumentationsDict(JSON.stringify(dict));
    expect(toAlbumentationsDict(loaded)).toEqual(dict);
    const first = pipeline.apply(image, createRng(5));
    expect(sameBytes(loaded.replay(image, first.params).image.data, first.image.data)).toBe(true);
  });

  it('rejects an empty list and unknown options with one clear error', () => {
    expect(() => new OneOrOther([])).toThrow(/OneOrOther.*transforms.*first and a second/);
    expect(() => new OneOrOther([new Flip()], { q: 1 } as never)).toThrow(/OneOrOther.*q.*is not an option/);
  });
});

describe('Flip and RandomGamma', () => {
  const image = syntheticImage(6, 3, 3, 2);

  it('Flip: d = 1 left-right, 0 top-bottom, -1 both; d = randint(-1, 1)', () => {
    const flip = new Flip({ p: 1 });
    expect(sameBytes(flip.applyWithParams(image, { d: 1 }).data, hflip(image).data)).toBe(true);
    expect(sameBytes(flip.applyWithParams(image, { d: 0 }).data, vflip(image).data)).toBe(true);
    expect(sameBytes(flip.applyWithParams(image, { d: -1 }).data, hflip(vflip(image)).data)).toBe(true);
    const seen = new Set<number>();
    for (let seed = 0; seed < 30; seed++)
      seen.add((flip.apply(image, createRng(seed)).params.params as { d: number }).d);
    expect([...seen].sort()).toEqual([-1, 0, 1]);
  });

  it('RandomGamma: uint8 LUT trunc((i/255)^gamma * 255), float32 x^gamma', () => {
    const gamma = new RandomGamma({ p: 1 });
    const out = gamma.applyWithParams(image, { gamma: 1.7 });
    for (let i = 0; i < image.data.length; i++)
      expect(out.data[i]).toBe(Math.trunc((image.data[i]! * (1 / 255)) ** 1.7 * 255));
    const floats = { ...image, data: Float32Array.from(image.data, (value) => value / 255) };
    const floatOut = gamma.applyWithParams(floats, { gamma: 0.8 });
    expect(floatOut.data).toBeInstanceOf(Float32Array);
    expect(floatOut.data[4]).toBe(Math.fround(floats.data[4]! ** Math.fround(0.8)));
    const { params } = gamma.apply(image, createRng(9));
    expect((params.params as { gamma: number }).gamma).toBeGreaterThanOrEqual(0.8);
    expect((params.params as { gamma: number }).gamma).toBeLessThan(1.2);
  });
});

describe('Solarize, InvertImg, ChannelShuffle, ToFloat', () => {
  const image = { data: Uint8Array.from([0, 127, 128, 255, 10, 200]), width: 2, height: 1, channels: 3 };

  it("compute albumentations' values on uint8 and float32", () => {
    expect([...new Solarize({ p: 1 }).applyWithParams(image, { threshold: 127.5 }).data]).toEqual([
      0, 127, 127, 0, 10, 55,
    ]);
    expect(new Solarize({ threshold: 90 }).threshold).toEqual([90, 90]);
    expect([...new InvertImg().applyWithParams(image).data]).toEqual([255, 128, 127, 0, 245, 55]);
    expect([...new ChannelShuffle().applyWithParams(image, { channels_shuffled: [2, 0, 1] }).data]).toEqual([
      128, 0, 127, 200, 255, 10,
    ]);
    const floats = new ToFloat().applyWithParams(image);
    expect(floats.data).toBeInstanceOf(Float32Array);
    expect(floats.data[1]).toBe(Math.fround(127 / 255));
    expect([...new InvertImg().applyWithParams(floats).data].map((value) => Math.round(value * 255))).toEqual([
      255, 128, 127, 0, 245, 55,
    ]);
  });

  it('ChannelShuffle samples a permutation of the channels', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const order = (
        new ChannelShuffle({ p: 1 }).apply(image, createRng(seed)).params.params as { channels_shuffled: number[] }
      ).channels_shuffled;
      expect([...order].sort()).toEqual([0, 1, 2]);
      seen.add(order.join());
    }
    expect(seen.size).toBe(6);
  });
});
