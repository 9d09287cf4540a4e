import { describe, expect, it } from 'vitest';
import {
  CLAHE,
  CoarseDropout,
  ColorJitter,
  Compose,
  GaussNoise,
  GaussianBlur,
  HorizontalFlip,
  HueSaturationValue,
  type ImageOnlyTransform,
  LongestMaxSize,
  MotionBlur,
  OneOf,
  OpticalDistortion,
  PadIfNeeded,
  RandomBrightnessContrast,
  RandomCrop,
  RandomResizedCrop,
  RandomRotate90,
  Rotate,
  ShiftScaleRotate,
  ToTensorV2,
  VerticalFlip,
  createRng,
  fromAlbumentationsDict,
  gaussNoise,
  type ImageShape,
  type TransformRecord,
} from '../src/index.js';
import { loadPipelineJson, syntheticImage } from './helpers.js';

const SHAPE: ImageShape = { width: 300, height: 300, channels: 3 };
const N = 4000;

/** Samples a leaf transform N times (one seed each); returns the run rate and the params of runs. */
function collect<P>(
  transform: ImageOnlyTransform<object>,
  shape: ImageShape = SHAPE,
  n = N,
): { rate: number; params: P[] } {
  const params: P[] = [];
  for (let seed = 0; seed < n; seed++) {
    const record = transform.sample(shape, createRng(seed));
    if (record.applied) params.push(record.params as P);
  }
  return { rate: params.length / n, params };
}

function stats(values: number[]): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
  }
  return { min, max, mean: sum / values.length };
}

function frequencies(values: (number | string)[]): Map<number | string, number> {
  const counts = new Map<number | string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  for (const [key, count] of counts) counts.set(key, count / values.length);
  return counts;
}

describe('p, always_apply, Compose and OneOf', () => {
  it('applies a transform with probability p; always_apply overrides p = 0', () => {
    expect(collect(new HorizontalFlip()).rate).toBeCloseTo(0.5, 1);
    expect(Math.abs(collect(new VerticalFlip({ p: 0.2 })).rate - 0.2)).toBeLessThan(0.02);
    expect(collect(new VerticalFlip({ p: 0 })).rate).toBe(0);
    expect(collect(new VerticalFlip({ p: 0, alwaysApply: true })).rate).toBe(1);
    expect(collect(new ToTensorV2()).rate).toBe(1);
  });

  it('Compose p gates its children; only always_apply leaves (also nested in OneOf) run otherwise', () => {
    const pipeline = new Compose(
      [
        new HorizontalFlip({ p: 1 }),
        new OneOf([new VerticalFlip({ p: 1, alwaysApply: true }), new RandomRotate90({ p: 1 })], { p: 1 }),
      ],
      { p: 0.25 },
    );
    const image = syntheticImage(4, 3);
    let ran = 0;
    for (let seed = 0; seed < N; seed++) {
      const record = pipeline.apply(image, createRng(seed)).params;
      if (record.applied) {
        ran++;
        expect(record.transforms!.map((child) => child.transform)).toEqual(['HorizontalFlip', 'OneOf']);
      } else {
        expect(record.transforms!.map((child) => `${child.transform}:${child.applied}`)).toEqual(['VerticalFlip:true']);
      }
    }
    expect(Math.abs(ran / N - 0.25)).toBeLessThan(0.02);
  });

  function oneOfRates(oneOf: OneOf, n = N): Map<string, number> {
    const image = syntheticImage(8, 8);
    const counts = new Map<string, number>();
    for (let seed = 0; seed < n; seed++) {
      const record: TransformRecord = oneOf.apply(image, createRng(seed)).params;
      const key = record.applied ? record.transforms![0]!.transform : 'none';
      if (record.applied) expect(record.transforms![0]!.applied).toBe(true); // the chosen child always runs
      counts.set(key, (counts.get(key) ?? 0) + 1 / n);
    }
    return counts;
  }

  it('b3-train OneOf (p=0.3, three children with p=1): each child runs 10% of the time', () => {
    const pipeline = fromAlbumentationsDict(loadPipelineJson('b3-train') as never) as Compose;
    const oneOf = pipeline.transforms[3] as OneOf;
    expect(oneOf.weights).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const rates = oneOfRates(oneOf);
    expect(Math.abs(rates.get('none')! - 0.7)).toBeLessThan(0.025);
    for (const name of ['MotionBlur', 'OpticalDistortion', 'GaussNoise'])
      expect(Math.abs(rates.get(name)! - 0.1)).toBeLessThan(0.02);
  });

  it('v2m-train OneOf (p=0.5, five children): each child runs 10% of the time', () => {
    const pipeline = fromAlbumentationsDict(loadPipelineJson('v2m-train') as never) as Compose;
    const rates = oneOfRates(pipeline.transforms[4] as OneOf, 2000);
    expect(Math.abs(rates.get('none')! - 0.5)).toBeLessThan(0.04);
    for (const name of ['MotionBlur', 'OpticalDistortion', 'GaussNoise', 'CLAHE', 'Rotate'])
      expect(Math.abs(rates.get(name)! - 0.1)).toBeLessThan(0.025);
  });

  it("children's p become weights (p_i / sum p)", () => {
    const oneOf = new OneOf([new HorizontalFlip({ p: 0.2 }), new VerticalFlip({ p: 0.6 })], { p: 1 });
    expect(oneOf.weights[0]).toBeCloseTo(0.25, 12);
    const rates = oneOfRates(oneOf);
    expect(Math.abs(rates.get('HorizontalFlip')! - 0.25)).toBeLessThan(0.025);
    expect(() => new OneOf([new HorizontalFlip({ p: 0 })])).toThrow(/sum to 0/);
  });
});

describe('parameter sampling follows albumentations 1.3 ranges and frequencies', () => {
  it('MotionBlur: ksize uniform over {3,5,7}; end points inside the kernel; distinct rows when x1 == x2', () => {
    const { params } = collect<{ ksize: number; x1: number; y1: number; x2: number; y2: number }>(
      new MotionBlur({ p: 1 }),
    );
    const sizes = frequencies(params.map((param) => param.ksize));
    for (const size of [3, 5, 7]) expect(Math.abs(sizes.get(size)! - 1 / 3)).toBeLessThan(0.03);
    for (const { ksize, x1, y1, x2, y2 } of params) {
      for (const value of [x1, y1, x2, y2]) expect(value >= 0 && value < ksize).toBe(true);
      if (x1 === x2) expect(y1).not.toBe(y2);
    }
    const centred = collect<{ ksize: number; x1: number; y1: number; x2: number; y2: number }>(
      new MotionBlur({ p: 1, allowShifted: false }),
      SHAPE,
      500,
    ).params;
    for (const { ksize, x1, y1, x2, y2 } of centred) {
      expect((x1 + x2) / 2).toBe((ksize - 1) / 2);
      expect((y1 + y2) / 2).toBe((ksize - 1) / 2);
    }
  });

  it('CoarseDropout: hole count and sizes inside [min, max]; holes inside the image', () => {
    const fixed = collect<{ holes: number[][] }>(
      new CoarseDropout({ p: 1, maxHoles: 4, maxHeight: 64, maxWidth: 64, minHoles: 4, minHeight: 64, minWidth: 64 }),
      SHAPE,
      500,
    );
    for (const { holes } of fixed.params) {
      expect(holes).toHaveLength(4);
      for (const [x1, y1, x2, y2] of holes) {
        expect([x2! - x1!, y2! - y1!]).toEqual([64, 64]);
        expect(x1! >= 0 && y1! >= 0 && x2! <= 300 && y2! <= 300).toBe(true);
      }
    }
    const random = collect<{ holes: number[][] }>(
      new CoarseDropout({ p: 1, maxHoles: 3, minHoles: 1, maxHeight: 10, minHeight: 2, maxWidth: 5, minWidth: 5 }),
    );
    const counts = frequencies(random.params.map((param) => param.holes.length));
    for (const count of [1, 2, 3]) expect(Math.abs(counts.get(count)! - 1 / 3)).toBeLessThan(0.03);
    const heights = random.params.flatMap((param) => param.holes.map(([, y1, , y2]) => y2! - y1!));
    expect(stats(heights)).toMatchObject({ min: 2, max: 10 });
    expect(stats(heights).mean).toBeCloseTo(6, 0);
    const fractional = collect<{ holes: number[][] }>(
      new CoarseDropout({ p: 1, maxHoles: 1, maxHeight: 0.5, minHeight: 0.1, maxWidth: 0.2, minWidth: 0.2 }),
      { width: 100, height: 200, channels: 3 },
      500,
    );
    for (const { holes } of fractional.params) {
      const [x1, y1, x2, y2] = holes[0]!;
      expect(x2! - x1!).toBe(20);
      expect(y2! - y1! >= 20 && y2! - y1! <= 100).toBe(true);
    }
  });

  it('ShiftScaleRotate: angle, scale, dx, dy uniform in their ranges (v2m-train settings)', () => {
    const transform = new ShiftScaleRotate({
      p: 1,
      shiftLimitX: [-0.1, 0.1],
      shiftLimitY: [-0.1, 0.1],
      scaleLimit: [-0.2, 0.2],
      rotateLimit: [-30, 30],
    });
    const { params } = collect<{ angle: number; scale: number; dx: number; dy: number }>(transform);
    const angle = stats(params.map((param) => param.angle));
    const scale = stats(params.map((param) => param.scale));
    expect(angle.min).toBeGreaterThanOrEqual(-30);
    expect(angle.max).toBeLessThan(30);
    expect(Math.abs(angle.mean)).toBeLessThan(1);
    expect(scale.min).toBeGreaterThanOrEqual(0.8);
    expect(scale.max).toBeLessThan(1.2);
    expect(scale.mean).toBeCloseTo(1, 1);
    for (const key of ['dx', 'dy'] as const) {
      const shift = stats(params.map((param) => param[key]));
      expect(shift.min).toBeGreaterThanOrEqual(-0.1);
      expect(shift.max).toBeLessThan(0.1);
    }
    expect(new ShiftScaleRotate().scaleLimit).toEqual([0.9, 1.1]);
  });

  it('Rotate: angle uniform in limit', () => {
    const angles = collect<{ angle: number }>(new Rotate({ p: 1, limit: [45, 90] })).params.map((param) => param.angle);
    expect(stats(angles).min).toBeGreaterThanOrEqual(45);
    expect(stats(angles).max).toBeLessThan(90);
    expect(stats(angles).mean).toBeCloseTo(67.5, 0);
  });

  it('OpticalDistortion: k uniform; dx, dy rounded half to even (always 0 with the default ±0.05)', () => {
    const defaults = collect<{ k: number; dx: number; dy: number }>(new OpticalDistortion({ p: 1 })).params;
    expect(stats(defaults.map((param) => param.k))).toMatchObject({});
    expect(stats(defaults.map((param) => param.k)).min).toBeGreaterThanOrEqual(-0.05);
    expect(stats(defaults.map((param) => param.k)).max).toBeLessThan(0.05);
    expect(new Set(defaults.flatMap((param) => [param.dx, param.dy]))).toEqual(new Set([0]));
    const shifted = collect<{ dx: number }>(new OpticalDistortion({ p: 1, shiftLimit: 2 })).params.map(
      (param) => param.dx,
    );
    const counts = frequencies(shifted);
    expect(Math.abs(counts.get(0)! - 0.25)).toBeLessThan(0.025); // |u| <= 0.5 rounds to 0
    expect(Math.abs(counts.get(2)! - 0.125)).toBeLessThan(0.02); // u in [1.5, 2)
  });

  it('GaussNoise: var uniform in var_limit, noise with that variance', () => {
    const variances = collect<{ var: number }>(new GaussNoise({ p: 1 })).params.map((param) => param.var);
    expect(stats(variances).min).toBeGreaterThanOrEqual(10);
    expect(stats(variances).max).toBeLessThan(50);
    expect(stats(variances).mean).toBeCloseTo(30, 0);
    const transform = new GaussNoise({ p: 1, varLimit: [36, 36] });
    const image = { data: new Uint8Array(64 * 64 * 3).fill(128), width: 64, height: 64, channels: 3 };
    const out = transform.apply(image, createRng(3)).image.data;
    let sum = 0;
    let squares = 0;
    for (const value of out) {
      sum += value - 128;
      squares += (value - 128) ** 2;
    }
    const mean = sum / out.length;
    expect(Math.sqrt(squares / out.length - mean * mean)).toBeCloseTo(6, 0);
  });

  it('GaussNoise streams exactly the noise of gaussNoise(image, noiseFor(params)), per channel or shared', () => {
    for (const perChannel of [true, false]) {
      const image = syntheticImage(97, 131, 3, 5);
      const transform = new GaussNoise({ p: 1, perChannel, varLimit: [400, 900] });
      const result = transform.apply(image, createRng(8));
      const reference = gaussNoise(image, transform.noiseFor(image, result.params.params as never));
      expect(Buffer.from(result.image.data).equals(Buffer.from(reference.data))).toBe(true);
    }
  });

  it('CLAHE clip_limit, RandomRotate90 factor, RandomCrop starts, brightness/contrast and HSV shifts', () => {
    const clips = collect<{ clip_limit: number }>(new CLAHE({ p: 1 })).params.map((param) => param.clip_limit);
    expect(stats(clips).min).toBeGreaterThanOrEqual(1);
    expect(stats(clips).max).toBeLessThan(4);
    const factors = frequencies(
      collect<{ factor: number }>(new RandomRotate90({ p: 1 })).params.map((param) => param.factor),
    );
    for (const factor of [0, 1, 2, 3]) expect(Math.abs(factors.get(factor)! - 0.25)).toBeLessThan(0.025);
    const starts = collect<{ h_start: number; w_start: number }>(new RandomCrop({ height: 10, width: 10 })).params;
    expect(stats(starts.map((param) => param.h_start)).min).toBeGreaterThanOrEqual(0);
    expect(stats(starts.map((param) => param.w_start)).max).toBeLessThan(1);
    expect(stats(starts.map((param) => param.h_start)).mean).toBeCloseTo(0.5, 1);
    const brightness = collect<{ alpha: number; beta: number }>(new RandomBrightnessContrast({ p: 1 })).params;
    expect(stats(brightness.map((param) => param.alpha)).min).toBeGreaterThanOrEqual(0.8);
    expect(stats(brightness.map((param) => param.alpha)).max).toBeLessThan(1.2);
    expect(stats(brightness.map((param) => param.beta)).min).toBeGreaterThanOrEqual(-0.2);
    const hsv = collect<{ hue_shift: number; sat_shift: number; val_shift: number }>(
      new HueSaturationValue({ p: 1 }),
    ).params;
    expect(stats(hsv.map((param) => param.hue_shift)).max).toBeLessThan(20);
    expect(stats(hsv.map((param) => param.sat_shift)).min).toBeGreaterThanOrEqual(-30);
  });

  it('ColorJitter: factors in range, the order is a random permutation (all 24 occur)', () => {
    const params = collect<{ brightness: number; hue: number; order: number[] }>(new ColorJitter({ p: 1 })).params;
    expect(stats(params.map((param) => param.brightness)).min).toBeGreaterThanOrEqual(0.8);
    expect(stats(params.map((param) => param.hue)).max).toBeLessThan(0.2);
    const orders = frequencies(params.map((param) => param.order.join('')));
    expect(orders.size).toBe(24);
    for (const share of orders.values()) expect(Math.abs(share - 1 / 24)).toBeLessThan(0.015);
  });

  it('GaussianBlur: randint(3, 7) with even sizes bumped up, so 3: 20%, 5: 40%, 7: 40%', () => {
    const sizes = frequencies(
      collect<{ ksize: number }>(new GaussianBlur({ p: 1 })).params.map((param) => param.ksize),
    );
    expect(Math.abs(sizes.get(3)! - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(sizes.get(5)! - 0.4)).toBeLessThan(0.025);
    expect(Math.abs(sizes.get(7)! - 0.4)).toBeLessThan(0.025);
  });

  it('RandomResizedCrop: crop area and aspect ratio inside scale and ratio', () => {
    const params = collect<{ crop_height: number; crop_width: number }>(
      new RandomResizedCrop({ height: 10, width: 10, scale: [0.2, 0.6], ratio: [0.5, 2] }),
    ).params;
    for (const { crop_height: h, crop_width: w } of params) {
      expect(h * w).toBeGreaterThanOrEqual(0.2 * 300 * 300 - 2 * 300);
      expect(h * w).toBeLessThanOrEqual(0.6 * 300 * 300 + 2 * 300);
      expect(w / h).toBeGreaterThan(0.45);
      expect(w / h).toBeLessThan(2.2);
    }
  });

  it('PadIfNeeded random position and LongestMaxSize size choice', () => {
    const pads = collect<{ pad_top: number; pad_bottom: number }>(
      new PadIfNeeded({ minHeight: 310, minWidth: 300, position: 'random' }),
    ).params;
    expect(new Set(pads.map((param) => param.pad_top + param.pad_bottom))).toEqual(new Set([10]));
    expect(stats(pads.map((param) => param.pad_top)).mean).toBeCloseTo(5, 0);
    const centred = collect<{ pad_top: number; pad_bottom: number }>(
      new PadIfNeeded({ minHeight: 311, minWidth: 300 }),
      SHAPE,
      10,
    ).params[0]!;
    expect(centred).toMatchObject({ pad_top: 5, pad_bottom: 6 });
    const sizes = frequencies(
      collect<{ max_size: number }>(new LongestMaxSize({ maxSize: [100, 200] })).params.map((param) => param.max_size),
    );
    expect(Math.abs(sizes.get(100)! - 0.5)).toBeLessThan(0.03);
  });
});
